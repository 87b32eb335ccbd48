package storagetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/dinhdanh/dinhdanh/identity"
)

// testClientMetadata: the registration metadata of issue 12 survives a
// round trip through both lookups, UpdateClient replaces the whole
// registration but id and creation time, and a missing client is
// ErrNotFound.
func testClientMetadata(t *testing.T, e *env) {
	c := testClient("bank")
	c.TokenEndpointAuthMethod = "private_key_jwt"
	c.SecretHash = nil
	c.JWKSURI = ""
	c.Metadata = identity.ClientMetadata{
		JWKS:                        json.RawMessage(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","kid":"k1"}]}`),
		TokenEndpointAuthSigningAlg: "EdDSA", IDTokenSignedResponseAlg: "PS256",
		IDTokenEncryptedResponseAlg: "RSA-OAEP-256", IDTokenEncryptedResponseEnc: "A256GCM",
		UserinfoSignedResponseAlg: "ES256", UserinfoEncryptedResponseAlg: "ECDH-ES+A256KW", UserinfoEncryptedResponseEnc: "A128CBC-HS256",
		RequestObjectSigningAlg: "PS256", RequirePushedAuthorizationRequests: true, DPoPBoundAccessTokens: true,
		PolicyURI: "https://rp.example/policy", TosURI: "https://rp.example/tos", Contacts: []string{"ops@rp.example"},
		Profile: "fapi2", AccessTokenFormat: "jwt",
	}
	if err := e.s.CreateClient(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetIdentityClient(e.ctx, c.ID)
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("GetIdentityClient = %+v, %v\nwant %+v", got, err, c)
	}
	fc, err := e.s.GetClient(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ic := fc.(*identity.Client); !reflect.DeepEqual(ic.Metadata, c.Metadata) {
		t.Fatalf("GetClient metadata = %+v, want %+v", ic.Metadata, c.Metadata)
	}
	// A client stored without metadata reads back with none.
	plain := seedClient(t, e, "plain")
	if got, _ := e.s.GetIdentityClient(e.ctx, plain.ID); !reflect.DeepEqual(got.Metadata, identity.ClientMetadata{}) {
		t.Fatalf("metadata of a plain client = %+v", got.Metadata)
	}

	up := c
	up.Name = "Ngân hàng mới"
	up.RedirectURIs = []string{"https://bank.example/cb"}
	up.Metadata = identity.ClientMetadata{IDTokenSignedResponseAlg: "ES256"}
	up.CreatedAt = start.Add(99 * 3600e9) // ignored
	if err := e.s.UpdateClient(e.ctx, up); err != nil {
		t.Fatal(err)
	}
	got, err = e.s.GetIdentityClient(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := up
	want.CreatedAt = c.CreatedAt
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after UpdateClient = %+v\nwant %+v", got, want)
	}
	// Booleans and lists can be cleared.
	cleared := want
	cleared.AllowOTPLogin, cleared.PostLogoutRedirectURIs = false, nil
	if err := e.s.UpdateClient(e.ctx, cleared); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.GetIdentityClient(e.ctx, c.ID); len(got.PostLogoutRedirectURIs) != 0 || got.Name != want.Name {
		t.Fatalf("after clearing = %+v", got)
	}
	ghost := testClient("ghost")
	if err := e.s.UpdateClient(e.ctx, ghost); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("UpdateClient(missing) = %v, want ErrNotFound", err)
	}
}
