package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"

	"github.com/dinhdanh/dinhdanh/identity"
)

// subjectFor computes `sub` for a client. Pairwise by default (OIDC Core
// §8.1): a keyed hash of the sector identifier (the host of the client's
// redirect URIs) and the account id, so two unrelated relying parties can
// not correlate a citizen by `sub`.
func (p *Provider) subjectFor(c *identity.Client, accountID string) string {
	if c.UsesPublicSubject() {
		return accountID
	}
	mac := hmac.New(sha256.New, p.cfg.PairwiseKey)
	mac.Write([]byte(sectorIdentifier(c)))
	mac.Write([]byte{0})
	mac.Write([]byte(accountID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// sectorIdentifier is the host component of the redirect URIs (§8.1);
// clients are registered with one host for all redirect URIs, otherwise
// the client id is used.
func sectorIdentifier(c *identity.Client) string {
	host := ""
	for _, raw := range c.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil {
			return "client:" + c.ID
		}
		if host != "" && u.Hostname() != host {
			return "client:" + c.ID
		}
		host = u.Hostname()
	}
	if host == "" {
		return "client:" + c.ID
	}
	return host
}
