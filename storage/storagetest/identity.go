package storagetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ory/fosite"

	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/keys"
)

func testMigrate(t *testing.T, e *env) {
	// Open does not migrate; migrating twice is a no-op.
	if err := e.s.Migrate(e.ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if err := e.s.Ping(e.ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func citizen(pin, name string) identity.Citizen {
	return identity.Citizen{
		PIN: pin, FullName: name, Birthdate: "1990-05-17", Gender: identity.Female,
		Phone: "+84901234567", Email: "a@example.vn", PermanentAddress: "1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
		ProvinceCode: "01", Source: "import:a.csv", UpdatedAt: start,
	}
}

func wantCounts(t *testing.T, what string, gotI, gotU, gotN, i, u, n int, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if gotI != i || gotU != u || gotN != n {
		t.Fatalf("%s: inserted/updated/unchanged = %d/%d/%d, want %d/%d/%d", what, gotI, gotU, gotN, i, u, n)
	}
}

func testCitizens(t *testing.T, e *env) {
	a := citizen("001090000001", "Nguyễn Thị An")
	b := citizen("001090000002", "Trần Văn Bình")
	c := citizen("001090000003", "Lê Minh Châu")
	c.Email, c.PermanentAddress = "", ""

	i, u, n, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{a, b, c})
	wantCounts(t, "first import", i, u, n, 3, 0, 0, err)

	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{a, b, c})
	wantCounts(t, "same import again", i, u, n, 0, 0, 3, err)

	// Source and UpdatedAt alone do not make a change.
	a2 := a
	a2.Source, a2.UpdatedAt = "import:b.csv", start.Add(time.Hour)
	b2 := b
	b2.Phone = "+84909999999"
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{a2, b2, c})
	wantCounts(t, "one changed", i, u, n, 0, 1, 2, err)

	got, err := e.s.GetCitizen(e.ctx, a.PIN)
	if err != nil {
		t.Fatal(err)
	}
	// Every part the record holds is credited to its source.
	wantA := withSources(a, a.Source, start, identity.PartIdentity, identity.PartContact, identity.PartResidence)
	if !reflect.DeepEqual(got, wantA) {
		t.Fatalf("unchanged citizen was rewritten:\n got %+v\nwant %+v", got, wantA)
	}
	got, err = e.s.GetCitizen(e.ctx, b.PIN)
	if err != nil {
		t.Fatal(err)
	}
	if got.Phone != b2.Phone {
		t.Fatalf("phone = %q, want %q", got.Phone, b2.Phone)
	}
	got, err = e.s.GetCitizen(e.ctx, c.PIN)
	wantC := withSources(c, c.Source, start, identity.PartIdentity, identity.PartContact, identity.PartResidence)
	if err != nil || !reflect.DeepEqual(got, wantC) {
		t.Fatalf("GetCitizen(c) = %+v, %v; want %+v", got, err, wantC)
	}

	// A PIN repeated in one input: the second occurrence is compared with
	// the first. A zero UpdatedAt is stamped with the store's clock.
	d := citizen("001090000004", "Phạm Đức")
	d.UpdatedAt = time.Time{}
	d2 := d
	d2.FullName = "Phạm Văn Đức"
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{d, d, d2})
	wantCounts(t, "repeated PIN", i, u, n, 1, 1, 1, err)
	got, err = e.s.GetCitizen(e.ctx, d.PIN)
	if err != nil || got.FullName != d2.FullName || !got.UpdatedAt.Equal(start) {
		t.Fatalf("GetCitizen(d) = %+v, %v", got, err)
	}

	if _, err := e.s.GetCitizen(e.ctx, "001090009999"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("missing citizen: err = %v, want ErrNotFound", err)
	}
	i, u, n, err = e.s.UpsertCitizens(e.ctx, nil)
	wantCounts(t, "empty import", i, u, n, 0, 0, 0, err)
}

func testCitizensLarge(t *testing.T, e *env) {
	// More rows than one lookup chunk, with a repeat across chunks.
	var cs []identity.Citizen
	for k := range 1203 {
		cs = append(cs, citizen(fmt.Sprintf("0790%08d", k), fmt.Sprintf("Công dân %d", k)))
	}
	i, u, n, err := e.s.UpsertCitizens(e.ctx, cs)
	wantCounts(t, "large import", i, u, n, 1203, 0, 0, err)
	cs[1000].Phone = "+84900000000"
	cs = append(cs, cs[3])
	i, u, n, err = e.s.UpsertCitizens(e.ctx, cs)
	wantCounts(t, "large import again", i, u, n, 0, 1, 1203, err)
}

func seedCitizen(t *testing.T, e *env, pin string) {
	t.Helper()
	if _, _, _, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{citizen(pin, "Công dân "+pin)}); err != nil {
		t.Fatal(err)
	}
}

func seedAccount(t *testing.T, e *env, id, pin string) identity.Account {
	t.Helper()
	seedCitizen(t, e, pin)
	a := identity.Account{
		ID: id, PIN: pin, Level: identity.Level2, PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA",
		MustChangePassword: true, CreatedAt: start,
	}
	if err := e.s.CreateAccount(e.ctx, a); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	return a
}

func testAccounts(t *testing.T, e *env) {
	a := seedAccount(t, e, "acc-1", "001090000010")

	got, err := e.s.GetAccount(e.ctx, a.ID)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("GetAccount = %+v, %v; want %+v", got, err, a)
	}
	got, err = e.s.GetAccountByPIN(e.ctx, a.PIN)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("GetAccountByPIN = %+v, %v; want %+v", got, err, a)
	}

	dupPIN := a
	dupPIN.ID = "acc-2"
	if err := e.s.CreateAccount(e.ctx, dupPIN); !errors.Is(err, identity.ErrAlreadyExists) {
		t.Fatalf("second account for a PIN: err = %v, want ErrAlreadyExists", err)
	}
	seedCitizen(t, e, "001090000011")
	dupID := a
	dupID.PIN = "001090000011"
	if err := e.s.CreateAccount(e.ctx, dupID); !errors.Is(err, identity.ErrAlreadyExists) {
		t.Fatalf("duplicate account id: err = %v, want ErrAlreadyExists", err)
	}
	orphan := a
	orphan.ID, orphan.PIN = "acc-3", "001090000099"
	if err := e.s.CreateAccount(e.ctx, orphan); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("account without citizen: err = %v, want ErrNotFound", err)
	}

	at := start.Add(2 * time.Hour)
	if err := e.s.UpdatePassword(e.ctx, a.ID, "$argon2id$new", false, at); err != nil {
		t.Fatal(err)
	}
	got, err = e.s.GetAccount(e.ctx, a.ID)
	if err != nil || got.PasswordHash != "$argon2id$new" || got.MustChangePassword || !got.PasswordChangedAt.Equal(at) {
		t.Fatalf("after UpdatePassword: %+v, %v", got, err)
	}
	if err := e.s.UpdatePassword(e.ctx, "nobody", "x", false, at); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("UpdatePassword(missing): err = %v, want ErrNotFound", err)
	}
	if _, err := e.s.GetAccount(e.ctx, "nobody"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("GetAccount(missing): err = %v", err)
	}
	if _, err := e.s.GetAccountByPIN(e.ctx, "001090000011"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("GetAccountByPIN(no account): err = %v", err)
	}
}

func testClient(id string) identity.Client {
	return identity.Client{
		ID: id, Name: "Cổng đăng ký thi " + id, SecretHash: []byte{0x01, 0x02, 0xfe, 0xff, 0x00, 0x7f},
		RedirectURIs:            []string{"https://rp.example/cb", "https://rp.example/cb2"},
		PostLogoutRedirectURIs:  []string{"https://rp.example/"},
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
		Scopes:                  []string{"openid", "offline_access", "profile", "vn_id"},
		Audience:                []string{"https://api.example"},
		SubjectType:             identity.SubjectPairwise,
		TokenEndpointAuthMethod: "client_secret_basic",
		JWKSURI:                 "https://rp.example/jwks.json",
		LogoURI:                 "https://rp.example/logo.png",
		Purpose:                 "Điền sẵn hồ sơ đăng ký thi",
		CreatedAt:               start,
	}
}

func seedClient(t *testing.T, e *env, id string) *identity.Client {
	t.Helper()
	c := testClient(id)
	if err := e.s.CreateClient(e.ctx, c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	return &c
}

func testClients(t *testing.T, e *env) {
	c := seedClient(t, e, "exam-portal")
	m := identity.Client{
		ID: "batch-job", Name: "Batch", SecretHash: []byte("h"), GrantTypes: []string{"client_credentials"},
		Scopes: []string{"vn_id"}, SubjectType: identity.SubjectPublic, TokenEndpointAuthMethod: "client_secret_post",
		CreatedAt: start,
	}
	if err := e.s.CreateClient(e.ctx, m); err != nil {
		t.Fatal(err)
	}
	pub := identity.Client{ID: "spa", Name: "SPA", Public: true, TokenEndpointAuthMethod: "none", CreatedAt: start}
	if err := e.s.CreateClient(e.ctx, pub); err != nil {
		t.Fatal(err)
	}

	got, err := e.s.GetIdentityClient(e.ctx, c.ID)
	if err != nil || !reflect.DeepEqual(got, *c) {
		t.Fatalf("GetIdentityClient = %+v, %v\nwant %+v", got, err, *c)
	}
	fc, err := e.s.GetClient(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	ic, ok := fc.(*identity.Client)
	if !ok {
		t.Fatalf("GetClient returned %T, want *identity.Client", fc)
	}
	if !reflect.DeepEqual(*ic, *c) || string(fc.GetHashedSecret()) != string(c.SecretHash) {
		t.Fatalf("GetClient = %+v, want %+v", *ic, *c)
	}
	gotPub, err := e.s.GetIdentityClient(e.ctx, "spa")
	if err != nil || !gotPub.Public || len(gotPub.SecretHash) != 0 || gotPub.GetGrantTypes()[0] != "authorization_code" {
		t.Fatalf("public client = %+v, %v", gotPub, err)
	}

	if err := e.s.CreateClient(e.ctx, *c); !errors.Is(err, identity.ErrAlreadyExists) {
		t.Fatalf("duplicate client: err = %v", err)
	}
	_, err = e.s.GetClient(e.ctx, "nope")
	if !errors.Is(err, fosite.ErrNotFound) || !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("GetClient(missing): err = %v, want fosite.ErrNotFound and identity.ErrNotFound", err)
	}
	if _, err := e.s.GetIdentityClient(e.ctx, "nope"); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("GetIdentityClient(missing): err = %v", err)
	}

	all, err := e.s.ListClients(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range all {
		ids = append(ids, x.ID)
	}
	if !reflect.DeepEqual(ids, []string{"batch-job", "exam-portal", "spa"}) {
		t.Fatalf("ListClients ids = %v", ids)
	}
}

func testConsents(t *testing.T, e *env) {
	a := seedAccount(t, e, "acc-1", "001090000020")
	c := seedClient(t, e, "exam-portal")
	seedClient(t, e, "other")

	g := identity.ConsentGrant{ID: "g1", AccountID: a.ID, ClientID: c.ID, Scopes: []string{"openid", "profile"}, Claims: []string{"name"}, GrantedAt: start}
	if err := e.s.SaveConsent(e.ctx, g); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetConsent(e.ctx, a.ID, c.ID)
	if err != nil || !reflect.DeepEqual(got, g) {
		t.Fatalf("GetConsent = %+v, %v; want %+v", got, err, g)
	}
	// Saving again for the same pair replaces the grant.
	g2 := identity.ConsentGrant{ID: "g2", AccountID: a.ID, ClientID: c.ID, Scopes: []string{"openid", "profile", "vn_id"}, Claims: []string{"name", "vn_pin"}, Declined: []string{"vn_account_level"}, Purpose: "Đăng ký dự thi", GrantedAt: start.Add(time.Minute)}
	if err := e.s.SaveConsent(e.ctx, g2); err != nil {
		t.Fatal(err)
	}
	got, err = e.s.GetConsent(e.ctx, a.ID, c.ID)
	if err != nil || !reflect.DeepEqual(got, g2) {
		t.Fatalf("after replace: %+v, %v; want %+v", got, err, g2)
	}
	other := identity.ConsentGrant{ID: "g3", AccountID: a.ID, ClientID: "other", Scopes: []string{"openid"}, GrantedAt: start}
	if err := e.s.SaveConsent(e.ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SaveConsent(e.ctx, identity.ConsentGrant{ID: "g4", AccountID: "nobody", ClientID: c.ID, GrantedAt: start}); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("consent for unknown account: err = %v, want ErrNotFound", err)
	}

	if err := e.s.DeleteConsent(e.ctx, a.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetConsent(e.ctx, a.ID, c.ID); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("after delete: err = %v", err)
	}
	if err := e.s.DeleteConsent(e.ctx, a.ID, c.ID); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("delete again: err = %v", err)
	}
	if _, err := e.s.GetConsent(e.ctx, a.ID, "other"); err != nil {
		t.Fatalf("other grant lost: %v", err)
	}
}

func testAuthSessions(t *testing.T, e *env) {
	a := seedAccount(t, e, "acc-1", "001090000030")
	s := identity.AuthSession{
		ID: "5e0b1c5a7c1f4b9c8d7e6f5a4b3c2d1e0f9e8d7c6b5a49382716051423324150", AccountID: a.ID,
		SID:      "Vq8rK2mYc0xZpL4tN7wQe1sB", // kept across re-authentication: must round-trip
		AuthTime: start, ACR: "urn:vn:eid:loa:2", AMR: []string{"pwd", "otp"},
		CreatedAt: start, ExpiresAt: start.Add(8 * time.Hour), LastSeen: start.Add(time.Minute),
	}
	if err := e.s.CreateAuthSession(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetAuthSession(e.ctx, s.ID, start.Add(time.Hour))
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("GetAuthSession = %+v, %v; want %+v", got, err, s)
	}
	if _, err := e.s.GetAuthSession(e.ctx, s.ID, s.ExpiresAt); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("expired session: err = %v, want ErrNotFound", err)
	}
	if err := e.s.CreateAuthSession(e.ctx, s); !errors.Is(err, identity.ErrAlreadyExists) {
		t.Fatalf("duplicate session: err = %v", err)
	}
	bad := s
	bad.ID, bad.AccountID = "x", "nobody"
	if err := e.s.CreateAuthSession(e.ctx, bad); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("session for unknown account: err = %v", err)
	}
	if _, err := e.s.EndAuthSessions(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetAuthSession(e.ctx, s.ID, start); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("ended session: err = %v", err)
	}
	if clients, err := e.s.EndAuthSessions(e.ctx, s); err != nil || len(clients) != 0 {
		t.Fatalf("end again: %v, %v", clients, err)
	}
}

func testInteractions(t *testing.T, e *env) {
	a := seedAccount(t, e, "acc-1", "001090000040")
	c := seedClient(t, e, "exam-portal")
	it := identity.Interaction{
		ID: "it-1", ClientID: c.ID,
		Form:      "client_id=exam-portal&redirect_uri=https%3A%2F%2Frp.example%2Fcb&response_type=code&scope=openid+profile&state=abcdefgh",
		CreatedAt: start, ExpiresAt: start.Add(30 * time.Minute),
	}
	if err := e.s.CreateInteraction(e.ctx, it); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.GetInteraction(e.ctx, it.ID, start)
	if err != nil || !reflect.DeepEqual(got, it) {
		t.Fatalf("GetInteraction = %+v, %v; want %+v", got, err, it)
	}
	it.AccountID, it.AuthTime = a.ID, start.Add(time.Minute)
	if err := e.s.UpdateInteraction(e.ctx, it); err != nil {
		t.Fatal(err)
	}
	it.Decision = "allow"
	if err := e.s.UpdateInteraction(e.ctx, it); err != nil {
		t.Fatal(err)
	}
	got, err = e.s.GetInteraction(e.ctx, it.ID, start.Add(2*time.Minute))
	if err != nil || !reflect.DeepEqual(got, it) {
		t.Fatalf("after update = %+v, %v; want %+v", got, err, it)
	}
	if _, err := e.s.GetInteraction(e.ctx, it.ID, it.ExpiresAt.Add(time.Second)); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("expired interaction: err = %v", err)
	}
	missing := it
	missing.ID = "it-x"
	if err := e.s.UpdateInteraction(e.ctx, missing); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("UpdateInteraction(missing): err = %v", err)
	}
	if err := e.s.CreateInteraction(e.ctx, identity.Interaction{ID: "it-2", ClientID: "nope", CreatedAt: start, ExpiresAt: start.Add(time.Minute)}); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("interaction for unknown client: err = %v", err)
	}
	if err := e.s.DeleteInteraction(e.ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.GetInteraction(e.ctx, it.ID, start); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("deleted interaction: err = %v", err)
	}
	if err := e.s.DeleteInteraction(e.ctx, it.ID); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("delete again: err = %v", err)
	}
}

func testKeys(t *testing.T, e *env) {
	k1 := keys.Record{KID: "k1", Alg: "RS256", PrivateEncrypted: []byte{0, 1, 2, 255}, PublicJWK: []byte(`{"kty":"RSA","kid":"k1"}`), CreatedAt: start}
	k2 := keys.Record{KID: "k2", Alg: "ES256", PrivateEncrypted: []byte{9, 8, 7}, PublicJWK: []byte(`{"kty":"EC","kid":"k2"}`), CreatedAt: start.Add(time.Hour)}
	for _, k := range []keys.Record{k1, k2} {
		if err := e.s.InsertKey(e.ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.s.InsertKey(e.ctx, k1); !errors.Is(err, identity.ErrAlreadyExists) {
		t.Fatalf("duplicate kid: err = %v", err)
	}
	got, err := e.s.ListKeys(e.ctx)
	if err != nil || !reflect.DeepEqual(got, []keys.Record{k2, k1}) {
		t.Fatalf("ListKeys = %+v, %v; want newest first", got, err)
	}
	at := start.Add(2 * time.Hour)
	if err := e.s.RetireKey(e.ctx, "k1", at); err != nil {
		t.Fatal(err)
	}
	// A second retirement keeps the first time.
	if err := e.s.RetireKey(e.ctx, "k1", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RetireKey(e.ctx, "nope", at); !errors.Is(err, identity.ErrNotFound) {
		t.Fatalf("RetireKey(missing): err = %v", err)
	}
	got, err = e.s.ListKeys(e.ctx)
	if err != nil || len(got) != 2 || !got[1].RetiredAt.Equal(at) || !got[0].RetiredAt.IsZero() {
		t.Fatalf("after retire: %+v, %v", got, err)
	}
}
