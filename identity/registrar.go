package identity

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// Registrar roles (issue 10): operators enrol and issue, supervisors
// approve what needs a second person, administrators grant roles.
const (
	RoleOperator   = "operator"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// Roles lists the registrar roles.
var Roles = []string{RoleOperator, RoleSupervisor, RoleAdmin}

var officePattern = regexp.MustCompile(`^[0-9]{2,5}$`)

// ValidateOffice checks an office code: a ward or commune code (5 digits),
// or a district (3) or province (2) code.
func ValidateOffice(code string) error {
	if !officePattern.MatchString(code) {
		return fmt.Errorf("office %q: use the 2–5 digit administrative code of the office (ward/commune, district or province)", code)
	}
	return nil
}

// ValidateRole checks a role name.
func ValidateRole(role string) error {
	if !slices.Contains(Roles, role) {
		return fmt.Errorf("role %q: use operator, supervisor or admin", role)
	}
	return nil
}

// RegistrarRole is one role of one registrar at one office. The registrar
// is named by their own account id (registrars sign in with their e-ID).
type RegistrarRole struct {
	ID        string
	AccountID string
	Role      string
	Office    string
	// Code is the registrar's short code printed on receipts (never the
	// registrar's ID number or name).
	Code      string
	GrantedBy string // account id of the administrator, "cli" from the command line
	GrantedAt time.Time
	ExpiresAt time.Time // zero: no expiry
}

// Active reports whether the role is in force at now.
func (r RegistrarRole) Active(now time.Time) bool {
	return r.ExpiresAt.IsZero() || now.Before(r.ExpiresAt)
}

// RegistrarAction is one append-only registrar audit entry (issue 10
// "Accountability"). It names the citizen by internal account id only,
// never by ID number or name; Detail holds no personal data.
type RegistrarAction struct {
	ID        string
	At        time.Time
	ActorID   string // the registrar's account id
	ActorCode string
	Role      string
	Office    string
	Action    string
	AccountID string // the citizen's account id ("" when none yet)
	ClientIP  string
	Detail    string
}

// Registrar actions, as stored in the audit and shown on receipts.
const (
	ActionIssue           = "issue"
	ActionUnlock          = "unlock"
	ActionReset           = "reset"
	ActionRequestLevel2   = "request_level2"
	ActionRequestPhone    = "request_phone_change"
	ActionRequestCorrect  = "request_correction"
	ActionApprove         = "approve"
	ActionReject          = "reject"
	ActionGrantRole       = "grant_role"
	ActionRevokeRole      = "revoke_role"
	ActionConsoleSignIn   = "sign_in"
	ActionConsoleSignOut  = "sign_out"
	ActionVerifiedPerson  = "verified_in_person"
	ActionLevel2Upgraded  = "level2_upgraded"
	ActionPhoneChanged    = "phone_changed"
	ActionRecordCorrected = "record_corrected"
)

// Kinds of request that need a supervisor's approval (four eyes).
const (
	RequestLevel2     = "level2"
	RequestPhone      = "phone_change"
	RequestCorrection = "correction"
)

// Request statuses.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// RegistrarRequest is a change an operator asked for that a supervisor of
// the same office must approve; nobody approves their own request.
type RegistrarRequest struct {
	ID          string
	Kind        string
	Office      string
	AccountID   string // the citizen's account
	RequestedBy string // registrar account id
	// Payload is the change itself as JSON (e.g. the new phone number): it
	// is personal data, kept in the database like the citizen record and
	// never logged.
	Payload     string
	Status      string
	RequestedAt time.Time
	DecidedBy   string
	DecidedAt   time.Time
}

// ErrSelfApproval refuses a registrar deciding their own request.
var ErrSelfApproval = &fieldError{"self_approval",
	"you cannot approve or reject your own request: another supervisor must decide it",
	"Bạn không thể tự phê duyệt hoặc từ chối yêu cầu của chính mình: cần một cán bộ phụ trách khác quyết định."}

// ErrAlreadyDecided: the request was approved or rejected meanwhile.
var ErrAlreadyDecided = &fieldError{"already_decided",
	"this request was already decided",
	"Yêu cầu này đã được xử lý."}

// RegistrarStore keeps registrar roles, their audit and four-eyes
// requests. Every method returns ErrNotFound / ErrAlreadyExists wrapped.
type RegistrarStore interface {
	// GrantRegistrarRole stores a role; ErrAlreadyExists if the account
	// already holds that role at that office.
	GrantRegistrarRole(ctx context.Context, r RegistrarRole) error
	// RevokeRegistrarRole deletes the role; ErrNotFound if not held.
	RevokeRegistrarRole(ctx context.Context, accountID, role, office string) error
	// RegistrarRoles returns the roles of one account (expired ones too).
	RegistrarRoles(ctx context.Context, accountID string) ([]RegistrarRole, error)
	// ListRegistrarRoles returns every role, or an office's when office is
	// not "", oldest first.
	ListRegistrarRoles(ctx context.Context, office string) ([]RegistrarRole, error)

	AppendRegistrarAction(ctx context.Context, a RegistrarAction) error
	GetRegistrarAction(ctx context.Context, id string) (RegistrarAction, error)
	// ListRegistrarActions returns an office's audit, newest first.
	ListRegistrarActions(ctx context.Context, office string, limit int) ([]RegistrarAction, error)

	CreateRegistrarRequest(ctx context.Context, r RegistrarRequest) error
	GetRegistrarRequest(ctx context.Context, id string) (RegistrarRequest, error)
	// ListRegistrarRequests returns an office's requests with status
	// (all when ""), oldest first.
	ListRegistrarRequests(ctx context.Context, office, status string) ([]RegistrarRequest, error)
	// DecideRegistrarRequest sets the status of a pending request, only if
	// it is still pending and decidedBy is not its requester (in one
	// conditional update): ErrSelfApproval, ErrAlreadyDecided, ErrNotFound.
	DecideRegistrarRequest(ctx context.Context, id, status, decidedBy string, at time.Time) error
}

// MinIssueAge is the age from which a registrar may issue an account
// (Decree 69/2024; the seed campaign's rule).
const MinIssueAge = 14

// Eligibility says whether a citizen born on birthdate (YYYY-MM-DD) may
// be issued an account on the day of now (Vietnam time); reason is set,
// in both languages, when not.
func Eligibility(birthdate string, now time.Time) (ok bool, age int, reasonVI, reasonEN string) {
	b, err := time.Parse("2006-01-02", birthdate)
	if err != nil {
		return false, 0, "Hồ sơ không có ngày sinh hợp lệ.", "The record has no valid date of birth."
	}
	today := now.In(vietnamTime)
	age = today.Year() - b.Year()
	if today.Month() < b.Month() || (today.Month() == b.Month() && today.Day() < b.Day()) {
		age--
	}
	if age < MinIssueAge {
		return false, age, fmt.Sprintf("Công dân mới %d tuổi: chỉ cấp tài khoản từ đủ %d tuổi.", age, MinIssueAge),
			fmt.Sprintf("The citizen is %d: accounts are issued from the age of %d.", age, MinIssueAge)
	}
	return true, age, "", ""
}

// MaskPIN shows the first three and last two digits of an ID number, for
// receipts: enough to compare with the card, not to reuse.
func MaskPIN(pin string) string {
	if len(pin) != 12 {
		return "************"
	}
	return pin[:3] + "*******" + pin[10:]
}

// RegistrarSession is one console session (or a sign-in in progress,
// with AccountID ""), keyed by the SHA-256 of its cookie value.
type RegistrarSession struct {
	ID        string
	AccountID string
	Office    string
	State     string
	Nonce     string
	Verifier  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RegistrarSessionStore keeps console sessions.
type RegistrarSessionStore interface {
	CreateRegistrarSession(ctx context.Context, s RegistrarSession) error
	// GetRegistrarSession returns ErrNotFound for a missing or expired one.
	GetRegistrarSession(ctx context.Context, id string, now time.Time) (RegistrarSession, error)
	// DeleteRegistrarSession reports ErrNotFound when it was gone already.
	DeleteRegistrarSession(ctx context.Context, id string) error
}

// PhoneChangedMessage is the notice sent to the old number after a
// registrar changed the account's phone (no personal data; unaccented,
// like the other notices, so it fits one SMS).
func PhoneChangedMessage() string {
	return "So dien thoai cua tai khoan dinh danh dien tu vua duoc doi tai co quan dang ky; ung dung xac thuc va moi phien dang nhap da bi huy. Neu khong phai ban, hay lien he can bo dang ky ngay."
}
