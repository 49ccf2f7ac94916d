// Command apilint checks the public API's OpenAPI document (internal/apidoc/openapi.json) as
// `make check` runs it: it must load, validate as OpenAPI 3.1 and describe every operation.
package main

import (
	"context"
	"fmt"
	"os"

	"thematic/internal/apidoc"
)

func main() {
	doc, err := apidoc.Lint(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("apilint: OpenAPI %s, %d operations: ok\n", doc.OpenAPI, len(apidoc.Operations(doc)))
}
