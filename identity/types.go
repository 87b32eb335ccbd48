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

	// The rest of the claims catalog (DOMAIN.md); every field is optional
	// and its zero value means "not held".
	Details CitizenDetails
	// Sources records, per part of the record (see RecordParts), where it
	// came from and when it last changed: shown to the citizen on /account.
	// The store maintains it (see TrackSources); a value given to
	// UpsertCitizens is ignored.
	Sources map[string]Provenance

	// Fields, when not nil, names the fields this value carries (the
	// Field* constants): UpsertCitizens replaces only those in a stored
	// record and keeps the others (see MergeCitizen). nil means the value
	// is the whole record. An import sets it from the file's columns, so a
	// column absent from the file never erases what is stored. Not stored.
	Fields []string
}

// CitizenDetails are the optional parts of a citizen record. JSON names
// are the claim members of DOMAIN.md, so the values are released as held.
type CitizenDetails struct {
	OldIDNumber       string           `json:"old_id_number,omitempty"` // 9 digits
	IDCard            *IDCard          `json:"id_card,omitempty"`
	Nationalities     []string         `json:"nationalities,omitempty"` // ISO 3166-1 alpha-2; empty means ["VN"]
	PlaceOfBirth      *PlaceOfBirth    `json:"place_of_birth,omitempty"`
	Hometown          *Address         `json:"hometown,omitempty"`
	MaritalStatus     string           `json:"marital_status,omitempty"` // see MaritalStatuses
	Ethnicity         *Coded           `json:"ethnicity,omitempty"`
	Religion          *Coded           `json:"religion,omitempty"`
	DistrictCode      string           `json:"district_code,omitempty"` // permanent residence
	CommuneCode       string           `json:"commune_code,omitempty"`  // permanent residence
	ResidenceSince    string           `json:"residence_since,omitempty"`
	CurrentResidence  *Address         `json:"current_residence,omitempty"`
	DrivingLicence    *DrivingLicence  `json:"driving_licence,omitempty"`
	Vehicles          []Vehicle        `json:"vehicles,omitempty"`
	HealthInsurance   *HealthInsurance `json:"health_insurance,omitempty"`
	SocialInsuranceNo string           `json:"social_insurance_no,omitempty"` // 10 digits
}

// Address is a Vietnamese address with its administrative codes.
type Address struct {
	Formatted    string `json:"formatted"`
	ProvinceCode string `json:"province_code,omitempty"`
	DistrictCode string `json:"district_code,omitempty"`
	CommuneCode  string `json:"commune_code,omitempty"`
	Since        string `json:"since,omitempty"` // YYYY-MM-DD
}

// PlaceOfBirth follows the OIDC4IDA place_of_birth claim.
type PlaceOfBirth struct {
	Country  string `json:"country"` // ISO 3166-1 alpha-2
	Region   string `json:"region,omitempty"`
	Locality string `json:"locality,omitempty"`
}

// Coded is an entry of a national code list (ethnicity, religion).
type Coded struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// IDCard is the chip identity card (thẻ căn cước).
type IDCard struct {
	Number    string `json:"number"`
	Issued    string `json:"issued,omitempty"`
	Expires   string `json:"expires,omitempty"`
	Authority string `json:"authority,omitempty"`
}

type DrivingLicence struct {
	Number  string         `json:"number"`
	Classes []LicenceClass `json:"classes,omitempty"`
	Issuer  string         `json:"issuer,omitempty"`
}

type LicenceClass struct {
	Class   string `json:"class"`
	Issued  string `json:"issued,omitempty"`
	Expires string `json:"expires,omitempty"`
}

type Vehicle struct {
	Plate     string `json:"plate"`
	Type      string `json:"type,omitempty"`
	Brand     string `json:"brand,omitempty"`
	ChassisNo string `json:"chassis_no,omitempty"`
	RegDate   string `json:"reg_date,omitempty"`
}

// HealthInsurance is the health-insurance card (thẻ BHYT).
type HealthInsurance struct {
	CardNo          string `json:"card_no"` // 15 characters
	BenefitLevel    string `json:"benefit_level,omitempty"`
	Province        string `json:"province,omitempty"`
	InitialFacility string `json:"initial_facility,omitempty"`
	ValidFrom       string `json:"valid_from,omitempty"`
	ValidTo         string `json:"valid_to,omitempty"`
}

// Provenance says where one part of a record came from and when it last
// changed.
type Provenance struct {
	Source    string    `json:"source"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Parts of a citizen record, as shown on the account page with their
// provenance. RecordParts lists them in display order.
const (
	PartIdentity        = "identity"  // name, birth date, sex, ID number
	PartContact         = "contact"   // phone, email
	PartResidence       = "residence" // permanent and current residence
	PartCivil           = "civil"     // nationality, place of birth, hometown, marital status, ethnicity, religion, old ID number
	PartIDCard          = "id_card"
	PartDrivingLicence  = "driving_licence"
	PartVehicles        = "vehicles"
	PartHealthInsurance = "health_insurance"
	PartSocialInsurance = "social_insurance"
)

var RecordParts = []string{PartIdentity, PartContact, PartResidence, PartCivil, PartIDCard,
	PartDrivingLicence, PartVehicles, PartHealthInsurance, PartSocialInsurance}

// MaritalStatuses are the values of vn_marital_status.
var MaritalStatuses = []string{"single", "married", "divorced", "widowed"}

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
	// SMSResetHold: the password was last reset with an SMS code alone,
	// so SMS does not count for level 2 until an independent factor or a
	// registrar's in-person check clears it (see Assurance).
	SMSResetHold bool
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
	Claims []string
	// Declined are claims the citizen saw and left unticked: not asked
	// again until the client marks one essential.
	Declined []string
	// Purpose is what the client said the data is for, as shown.
	Purpose   string
	GrantedAt time.Time
}

// AuthSession is a browser's single sign-on session, held server-side.
// ID is the SHA-256 of the cookie value, never the value itself.
type AuthSession struct {
	ID        string
	AccountID string
	// SID is the session identifier given to relying parties (Back-Channel
	// Logout 1.0 §2.1). It stays the same when the citizen re-authenticates
	// in this browser, while ID changes with the cookie.
	SID       string
	AuthTime  time.Time
	ACR       string
	AMR       []string
	CreatedAt time.Time
	ExpiresAt time.Time // absolute end
	LastSeen  time.Time // for the idle timeout
	// Replaced: a later login in the same browser took over; the row only
	// ties a stale cookie to its session family (same account and SID).
	Replaced bool
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
