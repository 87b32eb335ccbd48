package identity

import (
	"fmt"
	"strings"
)

// CatalogMarkdown renders the claims catalog as the documentation page
// docs/claims.md (regenerate with `dinhdanh claims --markdown`).
func CatalogMarkdown() string {
	var b strings.Builder
	b.WriteString("# Claims catalog\n\n")
	b.WriteString("Generated from `identity/claims.go` by `dinhdanh claims --markdown`; do not edit by hand.\n\n")
	b.WriteString("Scope claims are released in userinfo, voluntarily (OIDC Core §5.4). Any claim, including the derived ones and `verified_claims`, may also be requested through the `claims` parameter (OIDC Core §5.5) with scope `openid` alone. Every claim needs the citizen's consent; sensitive claims need their own tick; level-2 claims are released only for level-2 accounts in a login at `urn:vn:eid:loa:2`.\n\n")
	b.WriteString("## Scopes\n\n| scope | Vietnamese label | English label |\n|---|---|---|\n")
	for _, s := range Scopes {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.Name, s.LabelVI, s.LabelEN)
	}
	b.WriteString("\n## Claims\n\n| claim | scope | class | level | in `verified_claims` | format | Vietnamese label | English label |\n|---|---|---|---|---|---|---|---|\n")
	for _, c := range append(append([]Claim{}, Claims...), VerifiedClaimsEntry) {
		scope := "`" + c.Scope + "`"
		switch {
		case c.AnyVNScope:
			scope = "any `vn_*`"
		case c.Scope == "" && c.Derived:
			scope = "claims parameter (derived)"
		case c.Scope == "":
			scope = "claims parameter"
		}
		level := "any"
		if c.MinLevel > 0 {
			level = fmt.Sprintf("%d only", c.MinLevel)
		}
		verifiable := ""
		if c.Verifiable {
			verifiable = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", c.Name, scope, c.Class, level, verifiable,
			strings.ReplaceAll(c.Format, "|", "\\|"), c.LabelVI, c.LabelEN)
	}
	b.WriteString("\nNever released: fingerprints, biometric templates, criminal records.\n")
	return b.String()
}
