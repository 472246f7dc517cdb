package certs_test

import "encoding/pem"

// firstCertBlock returns the DER bytes of the first CERTIFICATE block.
func firstCertBlock(data []byte) []byte {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil
		}
		if b.Type == "CERTIFICATE" {
			return b.Bytes
		}
	}
}
