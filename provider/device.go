package provider

// The device authorization grant (RFC 8628) for kiosks, TVs and
// terminals, which fosite v0.49 lacks: the device authorization endpoint
// (§3.1, §3.2), the citizen's side on /device (consent-ui, through
// StartDevice, DeviceConfirmation and ConfirmDevice, then the usual login
// and consent pages), and a fosite TokenEndpointHandler for the
// device_code grant (§3.4, §3.5).

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"
	fositestorage "github.com/ory/fosite/storage"

	"github.com/dinhdanh/dinhdanh/identity"
)

// GrantTypeDeviceCode is RFC 8628 §3.4's grant type.
const GrantTypeDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

const (
	pathDeviceAuthorization = "/oauth2/device/auth"
	// PathDevice is the verification_uri (RFC 8628 §3.2), a page of
	// consent-ui; PathDeviceConfirm its "another device" warning and
	// PathDeviceDone the end of the citizen's side.
	PathDevice        = "/device"
	PathDeviceConfirm = "/device/confirm"
	PathDeviceDone    = "/device/done"

	// deviceCodeLifespan: RFC 8628 §3.2 expires_in; §6.1 suggests minutes.
	deviceCodeLifespan = 10 * time.Minute
	// slowDownStep is §3.5: "the interval MUST be increased by 5 seconds
	// for this and all subsequent requests".
	slowDownStep = 5

	// Interaction form keys of a device request: the device authorization
	// it approves, and the account that confirmed the "another device"
	// warning. Neither is an authorization-request parameter.
	formDevice          = "vn_device"
	formDeviceConfirmed = "vn_device_confirmed"
)

// DeviceStore is what the device grant needs from storage. Codes are
// given as keyed hashes. Every state change is a compare-and-set that
// returns identity.ErrNotFound when it does not apply: of two racing
// decisions or redemptions, one wins.
type DeviceStore interface {
	// CreateDeviceAuthorization stores a pending request; a code already
	// taken is identity.ErrAlreadyExists.
	CreateDeviceAuthorization(ctx context.Context, d identity.DeviceAuthorization) error
	// GetDeviceAuthorizationByUserCode finds only a pending, unexpired one.
	GetDeviceAuthorizationByUserCode(ctx context.Context, userCodeHash string, now time.Time) (identity.DeviceAuthorization, error)
	GetDeviceAuthorization(ctx context.Context, id string) (identity.DeviceAuthorization, error)
	GetDeviceAuthorizationByDeviceCode(ctx context.Context, deviceCodeHash string) (identity.DeviceAuthorization, error)
	// RecordDevicePoll counts a poll if polls is still the count.
	RecordDevicePoll(ctx context.Context, id string, polls int, at time.Time, interval int) error
	ApproveDeviceAuthorization(ctx context.Context, id, accountID string, session []byte, granted []string, now time.Time) error
	DenyDeviceAuthorization(ctx context.Context, id string, now time.Time) error
	// RedeemDeviceAuthorization moves approved to redeemed, once.
	RedeemDeviceAuthorization(ctx context.Context, id string) error
}

// RFC 8628 §3.5 error codes, which fosite does not define. Copied, never
// mutated (fosite's errors.go style).
var (
	errAuthorizationPending = &fosite.RFC6749Error{ErrorField: "authorization_pending", CodeField: http.StatusBadRequest,
		DescriptionField: "The citizen has not yet approved or denied the request on their own device."}
	errSlowDown = &fosite.RFC6749Error{ErrorField: "slow_down", CodeField: http.StatusBadRequest,
		DescriptionField: "Polling too fast: wait 5 seconds longer between requests from now on."}
	errExpiredToken = &fosite.RFC6749Error{ErrorField: "expired_token", CodeField: http.StatusBadRequest,
		DescriptionField: "The device_code has expired; start a new device authorization request."}
)

// deviceCodeHash and userCodeHash key the stored codes (HMAC-SHA256 under
// a key derived for this purpose): a database reader learns no code.
func (p *Provider) deviceHash(kind, code string) string {
	m := hmac.New(sha256.New, p.deviceKey)
	m.Write([]byte(kind + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// handleDeviceAuthorization is RFC 8628 §3.1 (request) and §3.2
// (response).
func (p *Provider) handleDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseEndpointForm(r); err != nil {
		p.oauth.WriteAccessError(ctx, w, nil, err)
		return
	}
	d, userCode, deviceCode, err := p.newDeviceAuthorization(r)
	if err != nil {
		p.logTokenError(r, err)
		p.oauth.WriteAccessError(ctx, w, nil, err)
		return
	}
	verification := p.cfg.Issuer + PathDevice
	shown := identity.FormatUserCode(userCode)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"device_code":               deviceCode,
		"user_code":                 shown,
		"verification_uri":          verification,
		"verification_uri_complete": verification + "?" + url.Values{"user_code": {shown}}.Encode(),
		"expires_in":                int(deviceCodeLifespan / time.Second),
		"interval":                  d.Interval,
	})
}

func (p *Provider) newDeviceAuthorization(r *http.Request) (identity.DeviceAuthorization, string, string, error) {
	ctx := r.Context()
	form := r.PostForm
	for k, v := range form {
		if len(v) > 1 { // RFC 6749 §3.2, as at the token endpoint
			return identity.DeviceAuthorization{}, "", "", fosite.ErrInvalidRequest.WithHintf("The parameter '%s' is given more than once.", k)
		}
	}
	// §3.1: the client authenticates as at the token endpoint (a public
	// client sends client_id).
	fc, err := p.fosite.AuthenticateClient(ctx, r, form)
	if err != nil {
		return identity.DeviceAuthorization{}, "", "", err
	}
	client, ok := fc.(*identity.Client)
	if !ok {
		return identity.DeviceAuthorization{}, "", "", fosite.ErrServerError.WithDebug("unexpected client type")
	}
	if !client.GetGrantTypes().Has(GrantTypeDeviceCode) {
		// RFC 6749 §5.2 unauthorized_client: only clients registered for
		// the device grant may start one.
		return identity.DeviceAuthorization{}, "", "", fosite.ErrUnauthorizedClient.WithHint("The client is not registered for the device authorization grant.")
	}
	scopes := strings.Fields(form.Get("scope"))
	if len(scopes) == 0 {
		// RFC 6749 §3.3: no default scope here, so the request fails.
		return identity.DeviceAuthorization{}, "", "", fosite.ErrInvalidScope.WithHint("Ask for the scopes the device needs.")
	}
	for _, s := range scopes {
		if !identity.IsSupportedScope(s) || !slices.Contains(client.Scopes, s) {
			return identity.DeviceAuthorization{}, "", "", fosite.ErrInvalidScope.WithHintf("The client may not ask for scope '%s'.", s)
		}
	}
	if !client.DeviceLevel2 {
		// Issue 11 §2: a device shared at a counter does not get level-2
		// documents unless the client is registered for it.
		for _, c := range identity.ClaimsForScopes(scopes) {
			if c.MinLevel >= identity.Level2 {
				return identity.DeviceAuthorization{}, "", "", fosite.ErrInvalidScope.WithHintf("Level-2 documents (scope '%s') are not available through the device grant for this client.", c.Scope)
			}
		}
	}
	now := p.cfg.Now()
	d := identity.DeviceAuthorization{
		ClientID: client.ID, Scopes: scopes, Status: identity.DeviceStatusPending,
		Interval: p.cfg.DevicePollInterval, CreatedAt: now, ExpiresAt: now.Add(deviceCodeLifespan),
	}
	for range 5 {
		userCode, deviceCode := identity.NewUserCode(), randomToken()
		d.ID = identity.NewID()
		d.UserCodeHash, d.DeviceCodeHash = p.deviceHash("user_code", userCode), p.deviceHash("device_code", deviceCode)
		err = p.store.CreateDeviceAuthorization(ctx, d)
		if err == nil {
			return d, userCode, deviceCode, nil
		}
		if !errors.Is(err, identity.ErrAlreadyExists) {
			break
		}
	}
	return d, "", "", fosite.ErrServerError.WithWrap(err)
}

// ---- the citizen's side ----

// StartDevice begins the citizen's side of a device request from the user
// code they typed (already normalized): an interaction bound to this
// browser, which ContinueURL walks through login, the "another device"
// warning and consent. An unknown, used or expired code is
// identity.ErrNotFound (the page counts it towards the guess limit).
func (p *Provider) StartDevice(w http.ResponseWriter, r *http.Request, userCode string) (string, error) {
	ctx := r.Context()
	now := p.cfg.Now()
	d, err := p.store.GetDeviceAuthorizationByUserCode(ctx, p.deviceHash("user_code", userCode), now)
	if err != nil {
		return "", err
	}
	form := url.Values{"client_id": {d.ClientID}, "scope": {strings.Join(d.Scopes, " ")}, formDevice: {d.ID}}
	it := identity.Interaction{
		ID: identity.NewID(), ClientID: d.ClientID, Form: form.Encode(), BrowserKey: p.ensureBrowserKey(w, r),
		CreatedAt: now, ExpiresAt: d.ExpiresAt,
	}
	if err := p.store.CreateInteraction(ctx, it); err != nil {
		return "", err
	}
	return it.ID, nil
}

// DeviceConfirmation is what the "another device" warning shows.
type DeviceConfirmation struct {
	Client      identity.Client
	RequestedAt time.Time
	UILocales   string
}

// DeviceConfirmation loads the warning for the logged-in citizen of the
// browser that entered the code.
func (p *Provider) DeviceConfirmation(r *http.Request, interactionID string) (DeviceConfirmation, error) {
	it, d, _, err := p.deviceInteraction(r, interactionID)
	if err != nil {
		return DeviceConfirmation{}, err
	}
	c, err := p.store.GetIdentityClient(r.Context(), it.ClientID)
	if err != nil {
		return DeviceConfirmation{}, err
	}
	return DeviceConfirmation{Client: c, RequestedAt: d.CreatedAt}, nil
}

// ConfirmDevice records the citizen's answer to the warning. Allow lets
// the flow go on to consent; deny ends the device request (the device's
// next poll gets access_denied).
func (p *Provider) ConfirmDevice(r *http.Request, interactionID string, allow bool) error {
	ctx := r.Context()
	it, d, sess, err := p.deviceInteraction(r, interactionID)
	if err != nil {
		return err
	}
	if !allow {
		if err := p.store.DenyDeviceAuthorization(ctx, d.ID, p.cfg.Now()); err != nil {
			return err
		}
		return p.store.DeleteInteraction(ctx, it.ID)
	}
	form, err := url.ParseQuery(it.Form)
	if err != nil {
		return err
	}
	form.Set(formDeviceConfirmed, sess.AccountID)
	it.Form = form.Encode()
	if it.AuthTime.IsZero() {
		// Logged in before the code was entered: the interaction goes on
		// as this session's, as sendToPageAs starts one.
		it.AccountID, it.AuthTime = sess.AccountID, sess.AuthTime
	}
	return p.store.UpdateInteraction(ctx, it)
}

// deviceInteraction loads a device interaction of this browser, with the
// citizen logged in (during it, or before when it has no login of its
// own), whose request is still pending.
func (p *Provider) deviceInteraction(r *http.Request, interactionID string) (identity.Interaction, identity.DeviceAuthorization, identity.AuthSession, error) {
	none := identity.DeviceAuthorization{}
	it, err := p.boundInteraction(r, interactionID)
	if err != nil {
		return it, none, identity.AuthSession{}, err
	}
	form, err := url.ParseQuery(it.Form)
	if err != nil || form.Get(formDevice) == "" {
		return it, none, identity.AuthSession{}, identity.ErrNotFound
	}
	sess, err := p.currentSession(r, p.cfg.Now())
	if err != nil || !it.AuthTime.IsZero() && sess.AccountID != it.AccountID {
		return it, none, sess, identity.ErrNotFound
	}
	d, err := p.pendingDevice(r.Context(), form.Get(formDevice))
	return it, d, sess, err
}

func (p *Provider) pendingDevice(ctx context.Context, id string) (identity.DeviceAuthorization, error) {
	d, err := p.store.GetDeviceAuthorization(ctx, id)
	if err != nil {
		return d, err
	}
	if d.Status != identity.DeviceStatusPending || !p.cfg.Now().Before(d.ExpiresAt) {
		return d, identity.ErrNotFound
	}
	return d, nil
}

// continueDevice resumes a device interaction through decide, with an
// authorization request made from the device request: no redirect URI,
// so every error is shown to the citizen (writeAuthorizeError) and the
// answer is recorded for the device (approveDevice), never redirected.
func (p *Provider) continueDevice(w http.ResponseWriter, r *http.Request, it identity.Interaction, form url.Values) {
	ctx := r.Context()
	if _, err := p.pendingDevice(ctx, form.Get(formDevice)); err != nil {
		_ = p.store.DeleteInteraction(ctx, it.ID)
		p.interactionGone(w, r, err)
		return
	}
	client, err := p.store.GetIdentityClient(ctx, it.ClientID)
	if err != nil {
		p.interactionGone(w, r, err)
		return
	}
	ar := &deviceRequest{AuthorizeRequest: fosite.NewAuthorizeRequest(), deviceID: form.Get(formDevice)}
	ar.ID = it.ID
	ar.RequestedAt = it.CreatedAt
	ar.Client = &client
	ar.Form = form
	ar.Session = newSession()
	ar.SetRequestedScopes(strings.Fields(form.Get("scope")))
	p.decide(w, r, ar, &it)
}

// deviceRequest is the authorization request continueDevice makes.
type deviceRequest struct {
	*fosite.AuthorizeRequest
	deviceID string
}

// deviceOf is the device authorization an authorization request stands
// for ("" for an ordinary one).
func deviceOf(ar fosite.AuthorizeRequester) string {
	if d, ok := ar.(*deviceRequest); ok {
		return d.deviceID
	}
	return ""
}

// deviceConfirmed: the logged-in citizen answered the warning.
func deviceConfirmed(ar fosite.AuthorizeRequester, auth identity.AuthSession) bool {
	got := ar.GetRequestForm().Get(formDeviceConfirmed)
	return got != "" && got == auth.AccountID
}

// approveDevice is finish for a device request: the token session is
// kept with the request for the device to redeem once, and the citizen
// is told (issue 11: a notice after every use).
func (p *Provider) approveDevice(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, id string, client *identity.Client, auth identity.AuthSession, sess *Session) {
	ctx := r.Context()
	raw, err := json.Marshal(sess)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	if err := p.store.ApproveDeviceAuthorization(ctx, id, auth.AccountID, raw, ar.GetGrantedScopes(), p.cfg.Now()); err != nil {
		p.interactionGone(w, r, err)
		return
	}
	if p.cfg.Notify != nil {
		if err := p.cfg.Notify(ctx, auth.AccountID, identity.NoticeDeviceLogin, client.Name); err != nil {
			p.cfg.Logger.Warn("queuing a notice failed", "account", auth.AccountID, "err", err)
		}
	}
	p.cfg.Logger.Info("device authorization approved", "account", auth.AccountID, "client", client.ID)
	http.Redirect(w, r, PathDeviceDone+"?result=allowed", http.StatusSeeOther)
}

// deviceFailed is writeAuthorizeError for a device request. A refusal
// (deny on the consent page, or a level the citizen cannot reach) ends
// the request, so the device learns access_denied (RFC 8628 §3.5);
// anything else is shown and the request stays pending.
func (p *Provider) deviceFailed(w http.ResponseWriter, r *http.Request, id string, err error) {
	rfcErr := fosite.ErrorToRFC6749Error(err)
	switch rfcErr.ErrorField {
	case fosite.ErrAccessDenied.ErrorField, errUnmetAuthentication.ErrorField, fosite.ErrLoginRequired.ErrorField:
		if derr := p.store.DenyDeviceAuthorization(r.Context(), id, p.cfg.Now()); derr != nil && !errors.Is(derr, identity.ErrNotFound) {
			p.serverError(w, r, derr)
			return
		}
		http.Redirect(w, r, PathDeviceDone+"?result=denied", http.StatusSeeOther)
		return
	}
	if rfcErr.CodeField >= 500 {
		p.cfg.Logger.Error("device authorization failed", "err", rfcErr.WithExposeDebug(true).GetDescription())
	}
	p.cfg.ErrorPage(w, r, rfcErr.CodeField, rfcErr.ErrorField, rfcErr.GetDescription())
}

// ---- the token endpoint ----

// deviceGrantHandler redeems device codes at the token endpoint (RFC 8628
// §3.4, §3.5), in the shape of fosite's handlers.
type deviceGrantHandler struct {
	p        *Provider
	store    DeviceStore
	tokens   oauth2.CoreStrategy
	storage  oauth2.CoreStorage
	tx       fositestorage.Transactional
	idTokens openid.OpenIDConnectTokenStrategy
}

var _ fosite.TokenEndpointHandler = (*deviceGrantHandler)(nil)

func (h *deviceGrantHandler) CanHandleTokenEndpointRequest(_ context.Context, r fosite.AccessRequester) bool {
	// §3.4: grant_type REQUIRED, "urn:ietf:params:oauth:grant-type:device_code".
	return r.GetGrantTypes().ExactOne(GrantTypeDeviceCode)
}

// CanSkipClientAuth: §3.4, the client authenticates as for any token
// request (RFC 6749 §3.2.1); a public client sends its client_id.
func (h *deviceGrantHandler) CanSkipClientAuth(context.Context, fosite.AccessRequester) bool {
	return false
}

// deviceFor loads the request a token request names, checked against the
// authenticated client.
func (h *deviceGrantHandler) deviceFor(ctx context.Context, r fosite.AccessRequester) (identity.DeviceAuthorization, error) {
	code := r.GetRequestForm().Get("device_code")
	if code == "" {
		return identity.DeviceAuthorization{}, fosite.ErrInvalidRequest.WithHint("The parameter 'device_code' is missing.")
	}
	d, err := h.store.GetDeviceAuthorizationByDeviceCode(ctx, h.p.deviceHash("device_code", code))
	switch {
	case errors.Is(err, identity.ErrNotFound):
		return d, fosite.ErrInvalidGrant.WithHint("The device_code is not known.")
	case err != nil:
		return d, fosite.ErrServerError.WithWrap(err)
	}
	// RFC 6749 §5.2 invalid_grant: "issued to another client".
	if !subtleEqual(d.ClientID, r.GetClient().GetID()) {
		return d, fosite.ErrInvalidGrant.WithHint("The device_code was issued to another client.")
	}
	return d, nil
}

func (h *deviceGrantHandler) HandleTokenEndpointRequest(ctx context.Context, r fosite.AccessRequester) error {
	if !h.CanHandleTokenEndpointRequest(ctx, r) {
		return fosite.ErrUnknownRequest
	}
	if !r.GetClient().GetGrantTypes().Has(GrantTypeDeviceCode) {
		return fosite.ErrUnauthorizedClient.WithHint("The client is not registered for the device authorization grant.")
	}
	d, err := h.deviceFor(ctx, r)
	if err != nil {
		return err
	}
	now := h.p.cfg.Now()
	if d.Status == identity.DeviceStatusRedeemed {
		// §3.5 does not name this case; a used grant is RFC 6749 §5.2's
		// invalid_grant.
		return fosite.ErrInvalidGrant.WithHint("The device_code was already used.")
	}
	if !now.Before(d.ExpiresAt) {
		return errExpiredToken
	}
	if d.Status == identity.DeviceStatusDenied {
		return fosite.ErrAccessDenied.WithHint("The citizen denied the request.")
	}
	// §3.5 slow_down. A poll earlier than 4/5 of the interval after the
	// last one is too fast (the fifth absorbs network jitter); so is one
	// that races another poll of the same code.
	interval := d.Interval
	tooFast := d.Polls > 0 && now.Sub(d.LastPollAt) < time.Duration(interval)*time.Second*4/5
	if tooFast {
		interval += slowDownStep
	}
	switch err := h.store.RecordDevicePoll(ctx, d.ID, d.Polls, now, interval); {
	case errors.Is(err, identity.ErrNotFound):
		return errSlowDown
	case err != nil:
		return fosite.ErrServerError.WithWrap(err)
	}
	if tooFast {
		return errSlowDown
	}
	if d.Status == identity.DeviceStatusPending {
		return errAuthorizationPending
	}
	// Approved: the session the citizen's approval made.
	if err := json.Unmarshal(d.Session, r.GetSession()); err != nil {
		return fosite.ErrServerError.WithWrap(err).WithDebug("device session")
	}
	for _, s := range d.GrantedScopes {
		r.GrantScope(s)
	}
	r.GetSession().SetExpiresAt(fosite.AccessToken, now.UTC().Add(h.p.cfg.AccessTokenLifespan))
	if r.GetGrantedScopes().Has("offline_access") {
		r.GetSession().SetExpiresAt(fosite.RefreshToken, now.UTC().Add(h.p.cfg.RefreshTokenLifespan))
	}
	return nil
}

// PopulateTokenEndpointResponse issues the tokens (RFC 6749 §5.1; RFC
// 8628 §3.5 "the authorization server responds ... as described in
// Section 5.1 of RFC 6749"): the device code is redeemed in the same
// transaction as the tokens are stored, so it yields tokens once.
func (h *deviceGrantHandler) PopulateTokenEndpointResponse(ctx context.Context, r fosite.AccessRequester, resp fosite.AccessResponder) (err error) {
	if !h.CanHandleTokenEndpointRequest(ctx, r) {
		return fosite.ErrUnknownRequest
	}
	d, err := h.deviceFor(ctx, r)
	if err != nil {
		return err
	}
	access, accessSig, err := h.tokens.GenerateAccessToken(ctx, r)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	var refresh, refreshSig string
	if r.GetGrantedScopes().Has("offline_access") && r.GetClient().GetGrantTypes().Has("refresh_token") {
		if refresh, refreshSig, err = h.tokens.GenerateRefreshToken(ctx, r); err != nil {
			return fosite.ErrServerError.WithWrap(err)
		}
	}
	ctx, err = fositestorage.MaybeBeginTx(ctx, h.tx)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	defer func() {
		if err != nil {
			_ = fositestorage.MaybeRollbackTx(ctx, h.tx)
		}
	}()
	switch err = h.store.RedeemDeviceAuthorization(ctx, d.ID); {
	case errors.Is(err, identity.ErrNotFound):
		return fosite.ErrInvalidGrant.WithHint("The device_code was already used.")
	case err != nil:
		return fosite.ErrServerError.WithWrap(err)
	}
	if err = h.storage.CreateAccessTokenSession(ctx, accessSig, r.Sanitize([]string{})); err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	if refreshSig != "" {
		if err = h.storage.CreateRefreshTokenSession(ctx, refreshSig, accessSig, r.Sanitize([]string{})); err != nil {
			return fosite.ErrServerError.WithWrap(err)
		}
	}
	if r.GetGrantedScopes().Has("openid") {
		idToken, ierr := h.idTokens.GenerateIDToken(ctx, h.p.cfg.IDTokenLifespan, r)
		if ierr != nil {
			err = ierr
			return err
		}
		resp.SetExtra("id_token", idToken)
	}
	if err = fositestorage.MaybeCommitTx(ctx, h.tx); err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	resp.SetAccessToken(access)
	resp.SetTokenType("bearer")
	resp.SetExpiresIn(h.p.cfg.AccessTokenLifespan)
	resp.SetScopes(r.GetGrantedScopes())
	if refresh != "" {
		resp.SetExtra("refresh_token", refresh)
	}
	return nil
}

func subtleEqual(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
