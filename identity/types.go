package identity

import "time"

// Gender as released in the OIDC `gender` claim (OIDC Core §5.1).
type Gender string

const (
	Male   Gender = "male"
	Female Gender = "female"
)

// Citizen is a person's record as held in the national population data.
// Birthdate is a civil date "YYYY-MM-DD"; Phone is E.164 ("+84…").
type Citizen struct {
	PIN              string // 12-digit personal identification number
	FullName         string // NFC, "family middle given"
	Birthdate        string
	Gender           Gender
	Phone            string
	Email            string
	PermanentAddress string
	ProvinceCode     string
	Source           string // where the record came from, e.g. "import:file.csv"
	UpdatedAt        time.Time
}

// Level is the identity-proofing level of an account (Decree 69/2024).
type Level int

const (
	Level1 Level = 1
	Level2 Level = 2
)

// Account is a citizen's e-ID login. ID is an opaque internal id, the only
// way an account is named in logs.
type Account struct {
	ID                 string
	PIN                string
	Level              Level
	PasswordHash       string // PHC-format argon2id string
	MustChangePassword bool
	CreatedAt          time.Time
	PasswordChangedAt  time.Time
}

// ConsentGrant records what a citizen agreed to release to one client
// (Decree 13/2023 art. 11: kept in a verifiable form until withdrawn).
type ConsentGrant struct {
	ID        string
	AccountID string
	ClientID  string
	Scopes    []string
	// Claims are the claims the citizen ticked among those of Scopes:
	// only these are ever released (never an unticked one).
	Claims    []string
	GrantedAt time.Time
}

// AuthSession is a browser's single sign-on session, held server-side.
// ID is the SHA-256 of the cookie value, never the value itself.
type AuthSession struct {
	ID        string
	AccountID string
	AuthTime  time.Time
	ACR       string
	AMR       []string
	CreatedAt time.Time
	ExpiresAt time.Time // absolute end
	LastSeen  time.Time // for the idle timeout
}

// Interaction is an authorization request waiting for the citizen to log in
// and consent. Form holds the original request parameters (url.Values
// encoded) so the request can be validated again when it resumes.
type Interaction struct {
	ID        string
	ClientID  string
	Form      string
	AccountID string    // set once the citizen has logged in during it
	AuthTime  time.Time // zero until then
	Decision  string    // "", "allow" or "deny"
	// BrowserKey is the hash of a cookie of the browser that started the
	// request: only that browser may log in, consent or resume it.
	BrowserKey string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}
