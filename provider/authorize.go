package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/dinhdanh/dinhdanh/identity"
)

// codeChallengeShape is BASE64URL(SHA256(verifier)): 43 characters
// (RFC 7636 §4.2).
var codeChallengeShape = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// handleAuthorize is the authorization endpoint (RFC 6749 §3.1, OIDC Core
// §3.1.2). The request is validated in full (authorizeRequest); we decide
// whether the citizen must log in or consent, and send them to the page
// that asks.
func (p *Provider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	form, err := readAuthorizeForm(r, true)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errRequestTooLarge) {
			status = http.StatusRequestEntityTooLarge
			if r.Method == http.MethodGet {
				status = http.StatusRequestURITooLong
			}
		}
		p.cfg.ErrorPage(w, r, status, "invalid_request", fosite.ErrorToRFC6749Error(err).GetDescription())
		return
	}
	ar, err := p.authorizeRequest(r, form, true)
	if err != nil {
		p.writeAuthorizeError(w, r, ar, err)
		return
	}
	p.decide(w, r, ar, nil)
}

// handleContinue resumes an authorization request after a page has done
// its part. The stored parameters are validated again from scratch.
func (p *Provider) handleContinue(w http.ResponseWriter, r *http.Request) {
	it, err := p.boundInteraction(r, r.URL.Query().Get("interaction"))
	if err != nil {
		p.interactionGone(w, r, err)
		return
	}
	form, err := url.ParseQuery(it.Form)
	if err != nil {
		p.cfg.ErrorPage(w, r, http.StatusBadRequest, "invalid_request", "")
		return
	}
	if form.Has(formDevice) {
		p.continueDevice(w, r, it, form)
		return
	}
	ar, err := p.authorizeRequest(r, form, false)
	if err != nil {
		p.writeAuthorizeError(w, r, ar, err)
		return
	}
	if ar.GetClient().GetID() != it.ClientID {
		p.cfg.ErrorPage(w, r, http.StatusBadRequest, "invalid_request", "")
		return
	}
	p.decide(w, r, ar, &it)
}

// authorizeRequest validates an authorization request completely before
// anyone sees a page: checkAuthorizeForm, then fosite's own checks, on a
// copy of the request that carries exactly the validated parameters.
// frontChannel: the parameters came from the browser (not a stored
// interaction), so a request_uri from PAR may be among them.
func (p *Provider) authorizeRequest(r *http.Request, form url.Values, frontChannel bool) (fosite.AuthorizeRequester, error) {
	ctx := r.Context()
	pushed := frontChannel && strings.HasPrefix(form.Get("request_uri"), parRequestURIPrefix)
	if pushed {
		var err error
		if form, err = p.pushedFrontChannel(ctx, form); err != nil {
			return nil, err
		}
	} else {
		normalizeParams(form)
		target, client, err := p.errorTarget(ctx, form)
		if err != nil {
			return nil, err
		}
		if err := p.checkAuthorizeForm(ctx, form, client, false); err != nil {
			return target, err
		}
	}
	clean := r.Clone(ctx)
	clean.Method = http.MethodGet
	clean.URL.RawQuery = withStatePlaceholder(form).Encode()
	clean.Form, clean.PostForm, clean.MultipartForm = nil, nil, nil
	clean.Body = http.NoBody
	clean.ContentLength = 0
	clean.Header.Del("Content-Type")
	ar, err := p.oauth.NewAuthorizeRequest(ctx, clean)
	clearStatePlaceholder(ar)
	if err != nil {
		return ar, err
	}
	if pushed {
		// Checked at the PAR endpoint already; checked again as stored.
		client, ok := ar.GetClient().(*identity.Client)
		if !ok {
			return ar, fosite.ErrServerError.WithDebug("unexpected client type")
		}
		pushedForm := url.Values{}
		for k, v := range ar.GetRequestForm() {
			if k != "request_uri" {
				pushedForm[k] = v
			}
		}
		if err := p.checkAuthorizeForm(ctx, pushedForm, client, false); err != nil {
			return ar, err
		}
	}
	return ar, nil
}

func (p *Provider) interactionGone(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, identity.ErrNotFound) {
		p.cfg.ErrorPage(w, r, http.StatusBadRequest, "interaction_expired", "")
		return
	}
	p.serverError(w, r, err)
}

func (p *Provider) serverError(w http.ResponseWriter, r *http.Request, err error) {
	p.cfg.Logger.Error("internal error", "path", r.URL.Path, "err", err)
	p.cfg.ErrorPage(w, r, http.StatusInternalServerError, "server_error", "")
}

// prompts parses the space-separated prompt parameter (OIDC Core §3.1.2.1).
func prompts(ar fosite.AuthorizeRequester) []string {
	return strings.Fields(ar.GetRequestForm().Get("prompt"))
}

// decide walks the citizen through login and consent, then answers.
// it is nil on the first pass of a request.
func (p *Provider) decide(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, it *identity.Interaction) {
	ctx := r.Context()
	now := p.cfg.Now()
	client, ok := ar.GetClient().(*identity.Client)
	if !ok {
		p.writeAuthorizeError(w, r, ar, fosite.ErrServerError.WithDebug("unexpected client type"))
		return
	}
	// Every parameter was checked by authorizeRequest; this cannot fail.
	required, err := requiredLevel(ar.GetRequestForm(), client.MinLevel)
	if err != nil {
		p.writeAuthorizeError(w, r, ar, err)
		return
	}
	prompt := prompts(ar)

	if it != nil && it.Decision == decisionUnmet {
		// OpenID Connect Unmet Authentication Requirements 1.0 §2.
		_ = p.store.DeleteInteraction(ctx, it.ID)
		p.writeAuthorizeError(w, r, ar, errUnmetAuthentication.WithHint("The citizen has no second factor that counts for this level."))
		return
	}
	auth, authenticated := p.authentication(r, ar, it, now, required)
	if authenticated && !p.isRequestedCitizen(r, ar, client, auth) {
		if it != nil && !it.AuthTime.IsZero() {
			// Someone else logged in during this very request: asking
			// again would loop, answering for them is forbidden (OIDC
			// Core §3.1.2.1 id_token_hint, §5.5.1 sub). The relying party
			// learns login_required (§3.1.2.6).
			_ = p.store.DeleteInteraction(ctx, it.ID)
			p.writeAuthorizeError(w, r, ar, fosite.ErrLoginRequired.WithHint("The citizen who logged in is not the one the request names."))
			return
		}
		// The session is someone else's: the right citizen must log in.
		authenticated = false
	}
	if authenticated && !client.AllowOTPLogin && !slices.Contains(auth.AMR, "pwd") {
		// A session from an SMS code alone serves only clients that
		// accept that; others get the password asked.
		authenticated = false
	}
	if !authenticated {
		if slices.Contains(prompt, "none") {
			p.writeAuthorizeError(w, r, ar, fosite.ErrLoginRequired.WithHint("The citizen is not logged in."))
			return
		}
		p.sendToPage(w, r, ar, it, PathLogin)
		return
	}

	if deviceOf(ar) != "" && !deviceConfirmed(ar, auth) {
		// RFC 10027: the citizen is told plainly that the login is for
		// another device, and may deny, before any consent.
		http.Redirect(w, r, PathDeviceConfirm+"?interaction="+url.QueryEscape(it.ID), http.StatusSeeOther)
		return
	}
	if it != nil && it.Decision == "deny" {
		_ = p.store.DeleteInteraction(ctx, it.ID)
		p.writeAuthorizeError(w, r, ar, fosite.ErrAccessDenied.WithHint("The citizen declined to share the requested data."))
		return
	}
	requested := supportedScopes(ar.GetRequestedScopes())
	// Read once: it decides whether to ask, and its claims are released.
	grant, err := p.store.GetConsent(ctx, auth.AccountID, client.ID)
	if err != nil && !errors.Is(err, identity.ErrNotFound) {
		p.writeAuthorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	hasGrant := err == nil
	cr, _ := parseClaimsParameter(ar.GetRequestForm().Get("claims")) // checked above
	cr = cr.forClient(client.Scopes)
	consented := it != nil && it.Decision == "allow"
	if !consented && !slices.Contains(prompt, "consent") && !mustAskEachTime(ar, client) && hasGrant && covers(grant.Scopes, requested) {
		fresh, err := p.newAsks(ctx, asks(requested, cr), grant, auth)
		if err != nil {
			p.writeAuthorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
			return
		}
		consented = len(fresh) == 0
	}
	if !consented {
		if slices.Contains(prompt, "none") {
			p.writeAuthorizeError(w, r, ar, fosite.ErrConsentRequired.WithHint("The citizen has not consented to this request."))
			return
		}
		if it == nil {
			// Already logged in: the consent page must not ask again
			// (OIDC Core §3.1.2.4), so the interaction starts logged in.
			p.sendToPageAs(w, r, ar, PathConsent, auth)
			return
		}
		p.sendToPage(w, r, ar, it, PathConsent)
		return
	}
	p.finish(w, r, ar, it, client, auth, requested, grant.Claims)
}

// newAsks returns the asks the grant does not settle: claims available at
// this account and authentication level that were neither consented nor,
// unless now essential, declined. Only these are put to the citizen again.
func (p *Provider) newAsks(ctx context.Context, all []Ask, grant identity.ConsentGrant, auth identity.AuthSession) ([]Ask, error) {
	var acc *identity.Account
	var out []Ask
	for _, a := range all {
		if slices.Contains(grant.Claims, a.Claim.Name) || !a.Essential && slices.Contains(grant.Declined, a.Claim.Name) {
			continue
		}
		if a.Claim.MinLevel > 0 {
			if acc == nil {
				got, err := p.store.GetAccount(ctx, auth.AccountID)
				if err != nil {
					return nil, err
				}
				acc = &got
			}
			if !a.Claim.Available(*acc, LevelOfACR(auth.ACR)) {
				continue // withheld anyway: nothing to ask
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// authentication returns who is logged in for this request, if anyone
// satisfies it: a login completed within this very interaction, or an
// existing session that prompt=login and max_age (OIDC Core §3.1.2.1) do
// not rule out.
func (p *Provider) authentication(r *http.Request, ar fosite.AuthorizeRequester, it *identity.Interaction, now time.Time, required int) (identity.AuthSession, bool) {
	sess, err := p.currentSession(r, now)
	if err != nil || LevelOfACR(sess.ACR) < max(required, 1) {
		// No session, or one too weak for this request (step-up).
		return identity.AuthSession{}, false
	}
	if it != nil && !it.AuthTime.IsZero() {
		// Logged in during this interaction: prompt and max_age are met.
		return sess, sess.AccountID == it.AccountID
	}
	if slices.Contains(prompts(ar), "login") {
		return identity.AuthSession{}, false
	}
	if raw := ar.GetRequestForm().Get("max_age"); raw != "" {
		maxAge, perr := strconv.ParseInt(raw, 10, 64)
		if perr == nil && maxAge >= 0 && now.Sub(sess.AuthTime) > time.Duration(maxAge)*time.Second {
			return identity.AuthSession{}, false
		}
	}
	return sess, true
}

// sendToPage stores the request as an interaction (once) and redirects the
// browser to a page of consent-ui.
func (p *Provider) sendToPage(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, it *identity.Interaction, page string) {
	p.sendToPageWith(w, r, ar, it, page, identity.AuthSession{})
}

// sendToPageAs starts an interaction on behalf of a logged-in session.
func (p *Provider) sendToPageAs(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, page string, auth identity.AuthSession) {
	p.sendToPageWith(w, r, ar, nil, page, auth)
}

func (p *Provider) sendToPageWith(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, it *identity.Interaction, page string, auth identity.AuthSession) {
	ctx := r.Context()
	if it == nil {
		now := p.cfg.Now()
		form := url.Values{}
		for k, v := range ar.GetRequestForm() {
			// The parameters were already taken from a request object or a
			// pushed request; resuming must not fetch or consume them again.
			if k == "request" || k == "request_uri" {
				continue
			}
			if k == formDevice || k == formDeviceConfirmed {
				// Only StartDevice makes device interactions.
				continue
			}
			form[k] = v
		}
		it = &identity.Interaction{
			ID:         identity.NewID(),
			ClientID:   ar.GetClient().GetID(),
			Form:       form.Encode(),
			AccountID:  auth.AccountID,
			AuthTime:   auth.AuthTime,
			BrowserKey: p.ensureBrowserKey(w, r),
			CreatedAt:  now,
			ExpiresAt:  now.Add(p.cfg.InteractionLifespan),
		}
		if err := p.store.CreateInteraction(ctx, *it); err != nil {
			p.writeAuthorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
			return
		}
	}
	target := page + "?interaction=" + url.QueryEscape(it.ID)
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// finish issues the authorization response (RFC 6749 §4.1.2).
func (p *Provider) finish(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, it *identity.Interaction, client *identity.Client, auth identity.AuthSession, scopes, consentedClaims []string) {
	ctx := r.Context()
	for _, s := range scopes {
		ar.GrantScope(s)
	}

	requestedAt := ar.GetRequestedAt()
	if it != nil {
		requestedAt = it.CreatedAt
	}
	sess := newSession()
	sess.AccountID = auth.AccountID
	sess.Claims = append([]string{}, consentedClaims...) // never nil: empty means none
	sess.ClaimsParam = ar.GetRequestForm().Get("claims")
	sess.Subject = p.subjectFor(client, auth.AccountID)
	claims := sess.IDTokenClaims()
	claims.Subject = sess.Subject
	claims.Issuer = p.cfg.Issuer
	claims.AuthTime = truncateSecond(auth.AuthTime)
	// fosite compares auth_time with the request time for prompt=login.
	claims.RequestedAt = truncateSecond(requestedAt)
	claims.AuthenticationContextClassReference = auth.ACR
	claims.AuthenticationMethodsReferences = auth.AMR
	claims.Extra = map[string]any{}
	if auth.ID != "" {
		// Remember the client for back-channel logout; give it the sid.
		if err := p.store.AddSessionClient(ctx, auth.ID, client.ID, p.cfg.Now()); err != nil {
			p.writeAuthorizeError(w, r, ar, fosite.ErrServerError.WithWrap(err))
			return
		}
		claims.Extra["sid"] = p.sidOf(auth)
	}

	if it != nil {
		// Consume the interaction first: of two racing resumes, one wins.
		if err := p.store.DeleteInteraction(ctx, it.ID); err != nil {
			p.interactionGone(w, r, err)
			return
		}
	}
	if id := deviceOf(ar); id != "" {
		p.approveDevice(w, r, ar, id, client, auth, sess)
		return
	}
	resp, err := p.oauth.NewAuthorizeResponse(ctx, ar, sess)
	if err != nil {
		p.writeAuthorizeError(w, r, ar, err)
		return
	}
	if ar.GetState() == "" {
		// RFC 6749 §4.1.2: state only if the client sent one (fosite
		// adds it, empty, regardless).
		resp.GetParameters().Del("state")
	}
	// RFC 9207 §2: the issuer identifier in every authorization response.
	resp.AddParameter("iss", p.cfg.Issuer)
	p.oauth.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// writeAuthorizeError answers an authorization request with an error. When
// the client or its redirect URI could not be verified, the browser is
// never redirected (RFC 6749 §4.1.2.1): a page explains the problem.
// Otherwise the error goes to the client with `iss` (RFC 9207 §2).
func (p *Provider) writeAuthorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	if id := deviceOf(ar); id != "" {
		p.deviceFailed(w, r, id, err)
		return
	}
	rfcErr := fosite.ErrorToRFC6749Error(err)
	if unavailable(err) {
		// Logged as a warning: the outage is the database's, and the
		// HTTP layer already counts it.
		p.cfg.Logger.Warn("authorize: database unavailable", "err", err)
		rfcErr = errTemporarilyUnavailable
		SetRetryAfter(w.Header())
		if ar == nil || !ar.IsRedirectURIValid() {
			p.cfg.ErrorPage(w, r, http.StatusServiceUnavailable, rfcErr.ErrorField, "")
			return
		}
	} else if rfcErr.ErrorField == fosite.ErrServerError.ErrorField {
		p.cfg.Logger.Error("authorize failed", "err", rfcErr.WithExposeDebug(true).GetDescription(), "cause", errors.Unwrap(err))
	}
	if ar == nil || !ar.IsRedirectURIValid() {
		p.cfg.ErrorPage(w, r, rfcErr.CodeField, rfcErr.ErrorField, rfcErr.GetDescription())
		return
	}
	params := rfcErr.ToValues()
	if st := ar.GetState(); st != "" {
		params.Set("state", st) // RFC 6749 §4.1.2.1: only if it was sent
	}
	params.Set("iss", p.cfg.Issuer)
	redirect := *ar.GetRedirectURI()
	redirect.Fragment = ""
	w.Header().Set("Cache-Control", "no-store")
	switch errorResponseMode(ar) {
	case fosite.ResponseModeFormPost:
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		fosite.WriteAuthorizeFormPostResponse(redirect.String(), params, fosite.DefaultFormPostTemplate, w)
		return
	case fosite.ResponseModeFragment:
		redirect.Fragment = params.Encode()
	default:
		q := redirect.Query()
		for k, v := range params {
			q[k] = v
		}
		redirect.RawQuery = q.Encode()
	}
	http.Redirect(w, r, redirect.String(), http.StatusSeeOther)
}

// errorResponseMode is how an error reaches the client: the response mode
// it asked for if we support it, else the default of the response type,
// which is the fragment for any response type containing token or
// id_token (OAuth 2.0 Multiple Response Type Encoding Practices §2.1, §5).
func errorResponseMode(ar fosite.AuthorizeRequester) fosite.ResponseModeType {
	types := ar.GetResponseTypes()
	if len(types) == 0 {
		types = fosite.RemoveEmpty(strings.Split(ar.GetRequestForm().Get("response_type"), " "))
	}
	// Tokens are never put in a query (§5).
	tokens := types.Has("token") || types.Has("id_token")
	switch m := ar.GetResponseMode(); {
	case m == fosite.ResponseModeFormPost, m == fosite.ResponseModeFragment:
		return m
	case m == fosite.ResponseModeQuery && !tokens:
		return m
	}
	if tokens {
		return fosite.ResponseModeFragment
	}
	return fosite.ResponseModeQuery
}

// supportedScopes keeps the scopes of the catalog, in request order.
func supportedScopes(requested fosite.Arguments) []string {
	out := make([]string, 0, len(requested))
	for _, s := range requested {
		if identity.IsSupportedScope(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func covers(granted, requested []string) bool {
	for _, s := range requested {
		if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}

func hashToken(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ---- what consent-ui calls ----

// Pending describes an interaction for the pages.
type Pending struct {
	ID        string
	Client    identity.Client
	Scopes    []string // requested and supported, in request order
	LoginHint string
	UILocales string
	AccountID string // set after the password was verified
	LoggedIn  bool   // the login step is complete
	// RequiredLevel is the authentication level the request needs (0 when
	// it states none: a password will do).
	RequiredLevel int
	// FreshLogin: prompt=login or max_age asks for a new authentication,
	// so an existing session cannot be stepped up by a code alone.
	FreshLogin bool
}

// Pending loads an interaction for a page of the browser that started it.
func (p *Provider) Pending(r *http.Request, id string) (Pending, error) {
	ctx := r.Context()
	it, err := p.boundInteraction(r, id)
	if err != nil {
		return Pending{}, err
	}
	form, err := url.ParseQuery(it.Form)
	if err != nil {
		return Pending{}, err
	}
	c, err := p.store.GetIdentityClient(ctx, it.ClientID)
	if err != nil {
		return Pending{}, err
	}
	required, err := requiredLevel(form, c.MinLevel)
	if err != nil {
		return Pending{}, err
	}
	return Pending{
		RequiredLevel: required,
		FreshLogin:    slices.Contains(strings.Fields(form.Get("prompt")), "login") || form.Get("max_age") != "",
		ID:            it.ID,
		Client:        c,
		Scopes:        supportedScopes(strings.Fields(form.Get("scope"))),
		LoginHint:     form.Get("login_hint"),
		UILocales:     form.Get("ui_locales"),
		AccountID:     it.AccountID,
		LoggedIn:      !it.AuthTime.IsZero(),
	}, nil
}

// ContinueURL is where a page sends the browser when it is done.
func ContinueURL(interactionID string) string {
	return pathContinue + "?interaction=" + url.QueryEscape(interactionID)
}

// boundInteraction loads an interaction only for the browser that started
// it: someone who learns an interaction id (a shared link, a referrer)
// cannot log in, consent or resume with it from another browser.
func (p *Provider) boundInteraction(r *http.Request, id string) (identity.Interaction, error) {
	it, err := p.store.GetInteraction(r.Context(), id, p.cfg.Now())
	if err != nil {
		return it, err
	}
	v := p.cookies.Get(r, CookieBrowser)
	if v == "" || it.BrowserKey == "" || subtle.ConstantTimeCompare([]byte(hashToken(v)), []byte(it.BrowserKey)) != 1 {
		return identity.Interaction{}, identity.ErrNotFound
	}
	return it, nil
}

// ensureBrowserKey returns the hash of this browser's binding cookie,
// setting the cookie first if it has none.
func (p *Provider) ensureBrowserKey(w http.ResponseWriter, r *http.Request) string {
	if v := p.cookies.Get(r, CookieBrowser); len(v) >= 32 {
		return hashToken(v)
	}
	v := randomToken()
	p.cookies.Set(w, CookieBrowser, v, time.Time{})
	return hashToken(v)
}

// AccountByIDNumber looks up an account for the password-reset page.
func (p *Provider) AccountByIDNumber(r *http.Request, idNumber string) (identity.Account, error) {
	return p.store.GetAccountByPIN(r.Context(), idNumber)
}

// isRequestedCitizen reports whether the session's citizen is the one
// the request names, by id_token_hint (OIDC Core §3.1.2.1) or by a sub
// value in the claims parameter (§5.5.1: "MUST NOT reply with an ID Token
// or Access Token for a different user"). Both were checked up front.
func (p *Provider) isRequestedCitizen(r *http.Request, ar fosite.AuthorizeRequester, client *identity.Client, auth identity.AuthSession) bool {
	form := ar.GetRequestForm()
	sub := p.subjectFor(client, auth.AccountID)
	if hint := form.Get("id_token_hint"); hint != "" {
		h, err := p.decodeIDTokenHint(r.Context(), hint, client.ID)
		if err != nil || h.Subject != sub {
			return false
		}
	}
	if want := requestedSubjects(form); len(want) > 0 && !(individualClaim{Allowed: want}).matches(sub) {
		return false
	}
	return true
}

// mustAskEachTime: a public client whose redirect URI is not a claimed
// https URI (a loopback or custom-scheme native app) cannot prove its
// identity, so a remembered consent does not let it skip the consent page
// (RFC 8252 §8.6; RFC 6749 §10.2), and prompt=none gets consent_required.
func mustAskEachTime(ar fosite.AuthorizeRequester, client *identity.Client) bool {
	u := ar.GetRedirectURI()
	return client.IsPublic() && (u == nil || u.Scheme != "https")
}

// dropUnknownScopes removes scope values outside the catalog before fosite
// sees them: an authorization server may ignore scopes it does not know
// (RFC 6749 §3.3), and a citizen should not be turned away because a
// portal asked for one. Known scopes the client may not use still fail.
func dropUnknownScopes(form url.Values) {
	raw, ok := form["scope"]
	if !ok || len(raw) != 1 {
		return // absent, or repeated: refused by checkParamShape
	}
	var keep []string
	for _, s := range strings.Fields(raw[0]) {
		if identity.IsSupportedScope(s) {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		delete(form, "scope")
		return
	}
	form.Set("scope", strings.Join(keep, " "))
}
