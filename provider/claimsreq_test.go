package provider

import (
	"errors"
	"slices"
	"testing"

	"github.com/ory/fosite"
)

// FuzzParseClaimsParameter: any input is either accepted or refused with
// invalid_request; it never panics.
func FuzzParseClaimsParameter(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"userinfo":null}`,
		`{"userinfo":{"name":{"essential":true},"gender":{"value":"male"},"vn_account_level":{"values":[1,2]}}}`,
		`{"id_token":{"verified_claims":[{"verification":{"trust_framework":{"value":"vn_nd69_2024"}},"claims":{"name":null}}]}}`,
		`{"userinfo":{"verified_claims":{"verification":{},"claims":{}}}}`,
		`{"userinfo":{"name":{"essential":"yes"}}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cr, err := parseClaimsParameter(raw)
		if err != nil {
			if !errors.Is(err, fosite.ErrInvalidRequest) {
				t.Fatalf("error %v is not invalid_request", err)
			}
			return
		}
		_ = asks([]string{"openid", "profile"}, cr)
	})
}

func TestAsksMergesScopesAndClaimsParameter(t *testing.T) {
	cr, err := parseClaimsParameter(`{"userinfo":{"name":{"essential":true},"email_verified":{"essential":true},"unknown":null},` +
		`"id_token":{"verified_claims":{"verification":{"trust_framework":null},"claims":{"birthdate":{"essential":true},"email":null}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range asks([]string{"openid", "profile"}, cr) {
		s := a.Claim.Name
		if a.Essential {
			s += "!"
		}
		if a.Verified {
			s += "+v"
		}
		got = append(got, s)
	}
	// name essential via the parameter; email asked through its qualifier
	// (never essential); email is not verifiable so not asked as verified;
	// unknown ignored.
	want := []string{"name!", "family_name", "middle_name", "given_name", "birthdate!+v", "gender", "nationalities", "email", "verified_claims!+v"}
	if !slices.Equal(got, want) {
		t.Errorf("asks = %v\nwant   %v", got, want)
	}
}
