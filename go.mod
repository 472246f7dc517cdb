module github.com/flintrpc/flint

go 1.26.8
