package secure

import "syscall"

var syscallEMFILE = syscall.EMFILE
