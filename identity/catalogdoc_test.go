package identity

import (
	"os"
	"testing"
)

// docs/claims.md is generated from the catalog and must match it.
func TestClaimsDocumentationIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../docs/claims.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != CatalogMarkdown() {
		t.Fatal("docs/claims.md is out of date: run `go run ./cmd/dinhdanh claims --markdown > docs/claims.md`")
	}
}
