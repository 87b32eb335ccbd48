package identity

import (
	"net/url"
	"testing"
)

func TestWithoutClientCredentials(t *testing.T) {
	in := url.Values{
		"client_id": {"rp"}, "client_secret": {"s"}, "client_assertion": {"a"},
		"client_assertion_type": {"t"}, "scope": {"openid"},
	}
	out := WithoutClientCredentials(in)
	if len(out) != 2 || out.Get("client_id") != "rp" || out.Get("scope") != "openid" {
		t.Errorf("= %v", out)
	}
	if in.Get("client_secret") != "s" {
		t.Error("the input was changed")
	}
	out["scope"][0] = "changed"
	if in.Get("scope") != "openid" {
		t.Error("the copy shares its values with the input")
	}
}
