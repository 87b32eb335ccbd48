package storage_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/storage"
)

// The storage half of a client_credentials token request, 32 at a time
// like `make bench`: load the client, store the access token.
// go test ./storage -run '^$' -bench .
func BenchmarkClientCredentials(b *testing.B) {
	runTokenBench(b, func(s *storage.Store, ctx context.Context, sig string, r fosite.Requester) error {
		return s.CreateAccessTokenSession(ctx, sig, r)
	})
}

// The storage half of an SSO authorization request: a code, its PKCE
// request and its OpenID Connect session, one after the other as fosite
// stores them.
func BenchmarkAuthorize(b *testing.B) {
	runTokenBench(b, func(s *storage.Store, ctx context.Context, sig string, r fosite.Requester) error {
		if err := s.CreateAuthorizeCodeSession(ctx, sig, r); err != nil {
			return err
		}
		if err := s.CreatePKCERequestSession(ctx, sig, r); err != nil {
			return err
		}
		return s.CreateOpenIDConnectSession(ctx, sig, r)
	})
}

func runTokenBench(b *testing.B, store func(s *storage.Store, ctx context.Context, sig string, r fosite.Requester) error) {
	ctx := context.Background()
	s, err := storage.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "b.db"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	c := identity.Client{
		ID: "rp", Name: "RP", SecretHash: []byte("h"), GrantTypes: []string{"client_credentials"},
		Scopes: []string{"openid"}, SubjectType: identity.SubjectPublic,
		TokenEndpointAuthMethod: "client_secret_basic", CreatedAt: time.Now(),
	}
	if err := s.CreateClient(ctx, c); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0))) // 32 goroutines
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op") }()
	b.RunParallel(func(pb *testing.PB) {
		key := make([]byte, 16)
		for pb.Next() {
			cl, err := s.GetClient(ctx, "rp")
			if err != nil {
				b.Error(err)
				return
			}
			r := fosite.NewRequest()
			r.Client = cl
			r.GrantedScope = fosite.Arguments{"openid"}
			r.Form.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
			r.Session = &openid.DefaultSession{ExpiresAt: map[fosite.TokenType]time.Time{
				fosite.AccessToken: time.Now().Add(time.Hour), fosite.AuthorizeCode: time.Now().Add(time.Minute),
			}}
			_, _ = rand.Read(key)
			if err := store(s, ctx, hex.EncodeToString(key), r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// cpuTime is the process's user+system time: on a shared machine it
// measures cost better than wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
