package identity

import (
	"maps"
	"slices"
	"time"
)

// Fields of a citizen record, as named in Citizen.Fields. The PIN is the
// record's key, not a field. Each field belongs to one record part (see
// RecordParts), whose provenance changes when the field does.
const (
	FieldFullName         = "full_name"
	FieldBirthdate        = "birthdate"
	FieldGender           = "gender"
	FieldPhone            = "phone"
	FieldEmail            = "email"
	FieldPermanentAddress = "permanent_address"
	FieldProvinceCode     = "province_code"
	FieldDistrictCode     = "district_code"
	FieldCommuneCode      = "commune_code"
	FieldResidenceSince   = "residence_since"
	FieldCurrentResidence = "current_residence"
	FieldNationalities    = "nationalities"
	FieldPlaceOfBirth     = "place_of_birth"
	FieldHometown         = "hometown"
	FieldMaritalStatus    = "marital_status"
	FieldEthnicity        = "ethnicity"
	FieldReligion         = "religion"
	FieldOldIDNumber      = "old_id_number"
	FieldIDCard           = "id_card"
	FieldDrivingLicence   = "driving_licence"
	FieldVehicles         = "vehicles"
	FieldHealthInsurance  = "health_insurance"
	FieldSocialInsurance  = "social_insurance_no"
)

// recordField is one field of a citizen record: its part, how to compare
// two records on it and how to copy it from one record to another.
type recordField struct {
	name  string
	part  string
	equal func(a, b *Citizen) bool
	copy  func(dst, src *Citizen)
}

// flat is a field of a comparable type.
func flat[T comparable](name, part string, at func(*Citizen) *T) recordField {
	return recordField{name, part,
		func(a, b *Citizen) bool { return *at(a) == *at(b) },
		func(dst, src *Citizen) { *at(dst) = *at(src) }}
}

// ptr is an optional structured value; nil and a pointer to the zero
// value both mean "not held".
func ptr[T comparable](name, part string, at func(*Citizen) **T) recordField {
	return recordField{name, part,
		func(a, b *Citizen) bool { return derefZero(*at(a)) == derefZero(*at(b)) },
		func(dst, src *Citizen) { *at(dst) = *at(src) }}
}

func derefZero[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// list is a list of comparable entries; nil and empty are equal.
func list[T comparable](name, part string, at func(*Citizen) *[]T) recordField {
	return recordField{name, part,
		func(a, b *Citizen) bool { return slices.Equal(*at(a), *at(b)) },
		func(dst, src *Citizen) { *at(dst) = *at(src) }}
}

// recordFields lists every field, by part in RecordParts order.
var recordFields = []recordField{
	flat(FieldFullName, PartIdentity, func(c *Citizen) *string { return &c.FullName }),
	flat(FieldBirthdate, PartIdentity, func(c *Citizen) *string { return &c.Birthdate }),
	flat(FieldGender, PartIdentity, func(c *Citizen) *Gender { return &c.Gender }),

	flat(FieldPhone, PartContact, func(c *Citizen) *string { return &c.Phone }),
	flat(FieldEmail, PartContact, func(c *Citizen) *string { return &c.Email }),

	flat(FieldPermanentAddress, PartResidence, func(c *Citizen) *string { return &c.PermanentAddress }),
	flat(FieldProvinceCode, PartResidence, func(c *Citizen) *string { return &c.ProvinceCode }),
	flat(FieldDistrictCode, PartResidence, func(c *Citizen) *string { return &c.Details.DistrictCode }),
	flat(FieldCommuneCode, PartResidence, func(c *Citizen) *string { return &c.Details.CommuneCode }),
	flat(FieldResidenceSince, PartResidence, func(c *Citizen) *string { return &c.Details.ResidenceSince }),
	ptr(FieldCurrentResidence, PartResidence, func(c *Citizen) **Address { return &c.Details.CurrentResidence }),

	list(FieldNationalities, PartCivil, func(c *Citizen) *[]string { return &c.Details.Nationalities }),
	ptr(FieldPlaceOfBirth, PartCivil, func(c *Citizen) **PlaceOfBirth { return &c.Details.PlaceOfBirth }),
	ptr(FieldHometown, PartCivil, func(c *Citizen) **Address { return &c.Details.Hometown }),
	flat(FieldMaritalStatus, PartCivil, func(c *Citizen) *string { return &c.Details.MaritalStatus }),
	ptr(FieldEthnicity, PartCivil, func(c *Citizen) **Coded { return &c.Details.Ethnicity }),
	ptr(FieldReligion, PartCivil, func(c *Citizen) **Coded { return &c.Details.Religion }),
	flat(FieldOldIDNumber, PartCivil, func(c *Citizen) *string { return &c.Details.OldIDNumber }),

	ptr(FieldIDCard, PartIDCard, func(c *Citizen) **IDCard { return &c.Details.IDCard }),

	{FieldDrivingLicence, PartDrivingLicence,
		func(a, b *Citizen) bool {
			x, y := derefZero(a.Details.DrivingLicence), derefZero(b.Details.DrivingLicence)
			return x.Number == y.Number && x.Issuer == y.Issuer && slices.Equal(x.Classes, y.Classes)
		},
		func(dst, src *Citizen) { dst.Details.DrivingLicence = src.Details.DrivingLicence }},

	list(FieldVehicles, PartVehicles, func(c *Citizen) *[]Vehicle { return &c.Details.Vehicles }),

	ptr(FieldHealthInsurance, PartHealthInsurance, func(c *Citizen) **HealthInsurance { return &c.Details.HealthInsurance }),

	flat(FieldSocialInsurance, PartSocialInsurance, func(c *Citizen) *string { return &c.Details.SocialInsuranceNo }),
}

// RecordFields lists the names of every field of a citizen record, by
// part in RecordParts order.
func RecordFields() []string {
	out := make([]string, len(recordFields))
	for i, f := range recordFields {
		out[i] = f.name
	}
	return out
}

// FieldPart returns the record part a field belongs to.
func FieldPart(field string) (string, bool) {
	for _, f := range recordFields {
		if f.name == field {
			return f.part, true
		}
	}
	return "", false
}

// ChangedParts returns, in RecordParts order, the parts of the record
// whose value differs between prev and next: a part differs when any of
// its fields does. The PIN, Source, UpdatedAt, Sources and Fields are not
// compared (they identify the record or describe where it came from).
// Absent and empty values are equal: a nil list and an empty one, a nil
// document and a pointer to an empty one.
func ChangedParts(prev, next Citizen) []string {
	changed := map[string]bool{}
	for _, f := range recordFields {
		if !changed[f.part] && !f.equal(&prev, &next) {
			changed[f.part] = true
		}
	}
	var out []string
	for _, p := range RecordParts {
		if changed[p] {
			out = append(out, p)
		}
	}
	return out
}

// SameCitizenData reports whether two records hold the same data: what
// an import may change, not where or when it came from.
func SameCitizenData(a, b Citizen) bool { return len(ChangedParts(a, b)) == 0 }

// HeldParts returns, in RecordParts order, the parts of which the record
// holds a value.
func HeldParts(c Citizen) []string { return ChangedParts(Citizen{}, c) }

// MergeCitizen returns update completed from stored: the fields update
// does not carry (see Citizen.Fields) keep their stored value. The result
// is a whole record (Fields nil) with update's PIN, Source and UpdatedAt
// and stored's Sources. With update.Fields nil, the result is update.
func MergeCitizen(stored, update Citizen) Citizen {
	out := update
	out.Fields = nil
	out.Sources = cloneSources(stored.Sources)
	if update.Fields == nil {
		return out
	}
	carried := make(map[string]bool, len(update.Fields))
	for _, name := range update.Fields {
		carried[name] = true
	}
	for _, f := range recordFields {
		if !carried[f.name] {
			f.copy(&out, &stored)
		}
	}
	return out
}

// TrackSources returns the Sources of next, which replaces prev (nil for
// a new record) at the given time: each part next holds whose value
// changed gets {next.Source, at}; each part it holds unchanged keeps
// prev's provenance (or prev's Source and UpdatedAt when prev has none
// for it, as for records stored before provenance was tracked); parts it
// does not hold have no provenance.
func TrackSources(prev *Citizen, next Citizen, at time.Time) map[string]Provenance {
	var before Citizen
	if prev != nil {
		before = *prev
	}
	changed := map[string]bool{}
	for _, p := range ChangedParts(before, next) {
		changed[p] = true
	}
	out := make(map[string]Provenance)
	for _, p := range HeldParts(next) {
		switch old, ok := before.Sources[p]; {
		case changed[p] || prev == nil:
			out[p] = Provenance{Source: next.Source, UpdatedAt: at}
		case ok:
			out[p] = old
		default:
			out[p] = Provenance{Source: before.Source, UpdatedAt: before.UpdatedAt}
		}
	}
	return out
}

// LegacySources is the provenance of a record stored before provenance
// was tracked per part: every part it holds came with the record.
func LegacySources(c Citizen) map[string]Provenance {
	out := make(map[string]Provenance)
	for _, p := range HeldParts(c) {
		out[p] = Provenance{Source: c.Source, UpdatedAt: c.UpdatedAt}
	}
	return out
}

// cloneSources copies a Sources map (nil stays nil).
func cloneSources(s map[string]Provenance) map[string]Provenance {
	if s == nil {
		return nil
	}
	return maps.Clone(s)
}
