package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dinhdanh/dinhdanh/identity"
)

// claimsCommand prints the claims catalog: a summary, the documentation
// page (--markdown, which is docs/claims.md) or JSON (--json).
func claimsCommand(g *globalFlags) *cobra.Command {
	var markdown bool
	cmd := &cobra.Command{
		Use:   "claims",
		Short: "Print the claims catalog (scopes, claims, classes, levels)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if markdown {
				_, err := fmt.Fprint(cmd.OutOrStdout(), identity.CatalogMarkdown())
				return err
			}
			type claimJSON struct {
				Name       string `json:"name"`
				Scope      string `json:"scope,omitempty"`
				AnyVNScope bool   `json:"any_vn_scope,omitempty"`
				Class      string `json:"class"`
				MinLevel   int    `json:"min_level,omitempty"`
				Derived    bool   `json:"derived,omitempty"`
				Verifiable bool   `json:"verifiable,omitempty"`
				Format     string `json:"format"`
				LabelVI    string `json:"label_vi"`
				LabelEN    string `json:"label_en"`
			}
			var out []claimJSON
			var text strings.Builder
			for _, c := range append(append([]identity.Claim{}, identity.Claims...), identity.VerifiedClaimsEntry) {
				out = append(out, claimJSON{c.Name, c.Scope, c.AnyVNScope, c.Class.String(), int(c.MinLevel), c.Derived, c.Verifiable, c.Format, c.LabelVI, c.LabelEN})
				fmt.Fprintf(&text, "%-24s %-20s %-9s %s\n", c.Name, c.Scope, c.Class, c.LabelVI)
			}
			return output(g, cmd, out, text.String())
		},
	}
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the documentation page (docs/claims.md)")
	return cmd
}
