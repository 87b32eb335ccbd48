package consentui

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
)

// Records reads the citizen's own record for the account page.
type Records interface {
	GetAccount(ctx context.Context, id string) (identity.Account, error)
	GetCitizen(ctx context.Context, pin string) (identity.Citizen, error)
}

// recordPartClaims shows each part of the record through the claims that
// carry it, so the page shows the data exactly as it would be released.
var recordPartClaims = map[string][]string{
	identity.PartIdentity:        {"name", "vn_pin", "birthdate", "gender"},
	identity.PartContact:         {"phone_number", "email"},
	identity.PartResidence:       {"vn_permanent_residence", "vn_current_residence"},
	identity.PartCivil:           {"nationalities", "place_of_birth", "vn_hometown", "vn_marital_status", "vn_ethnicity", "vn_religion", "vn_old_id_number"},
	identity.PartIDCard:          {"vn_id_card"},
	identity.PartDrivingLicence:  {"vn_driving_licence"},
	identity.PartVehicles:        {"vn_vehicles"},
	identity.PartHealthInsurance: {"vn_health_insurance"},
	identity.PartSocialInsurance: {"vn_social_insurance_no"},
}

type recordPartView struct {
	Title     string
	Rows      []recordRow
	Source    string
	UpdatedAt time.Time
}

type recordRow struct {
	Label, Value string
}

// personalData renders the record as held, read-only, part by part, with
// where each part came from and when it last changed. Parts the record
// does not hold are left out.
func (h *Handler) personalData(r *http.Request, lang, accountID string) (level int, parts []recordPartView, err error) {
	if h.records == nil {
		return 0, nil, nil
	}
	acc, err := h.records.GetAccount(r.Context(), accountID)
	if err != nil {
		return 0, nil, err
	}
	cit, err := h.records.GetCitizen(r.Context(), acc.PIN)
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	for _, part := range identity.RecordParts {
		pv := recordPartView{Title: T(lang, "record."+part), Source: cit.Source, UpdatedAt: cit.UpdatedAt}
		if p, ok := cit.Sources[part]; ok {
			pv.Source, pv.UpdatedAt = p.Source, p.UpdatedAt
		}
		pv.Source = sourceLabel(lang, pv.Source)
		for _, name := range recordPartClaims[part] {
			c, ok := identity.LookupClaim(name)
			if !ok {
				continue
			}
			if v, ok := c.Value(cit, acc, now); ok {
				pv.Rows = append(pv.Rows, recordRow{Label: pick(lang, c.LabelVI, c.LabelEN), Value: displayValue(lang, name, v)})
			}
		}
		if len(pv.Rows) > 0 {
			parts = append(parts, pv)
		}
	}
	return int(acc.Level), parts, nil
}

func sourceLabel(lang, source string) string {
	switch {
	case strings.HasPrefix(source, "import:"):
		return T(lang, "record.source_import") + " (" + strings.TrimPrefix(source, "import:") + ")"
	case source == "":
		return T(lang, "record.source_unknown")
	}
	return source
}
