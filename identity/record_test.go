package identity

import (
	"reflect"
	"testing"
	"time"
)

// fullRecord holds a value in every field (fictional data).
func fullRecord() Citizen {
	return Citizen{
		PIN: "001095012345", FullName: "Nguyễn Văn An", Birthdate: "1995-03-14", Gender: Male,
		Phone: "+84912345678", Email: "an@example.vn", PermanentAddress: "Số 12 phố Tràng Tiền, Hà Nội", ProvinceCode: "01",
		Source: "import:a.csv", UpdatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Details: CitizenDetails{
			OldIDNumber:       "012345678",
			IDCard:            &IDCard{Number: "001095012345", Issued: "2021-04-10", Expires: "2035-03-14", Authority: "Cục Cảnh sát QLHC về TTXH"},
			Nationalities:     []string{"VN"},
			PlaceOfBirth:      &PlaceOfBirth{Country: "VN", Region: "Hà Nội", Locality: "Hoàn Kiếm"},
			Hometown:          &Address{Formatted: "Xã Phù Đổng, Gia Lâm, Hà Nội", ProvinceCode: "01"},
			MaritalStatus:     "married",
			Ethnicity:         &Coded{Code: "01", Label: "Kinh"},
			Religion:          &Coded{Label: "Không"},
			DistrictCode:      "002",
			CommuneCode:       "00070",
			ResidenceSince:    "2015-09-01",
			CurrentResidence:  &Address{Formatted: "12 Láng Hạ, Đống Đa, Hà Nội", ProvinceCode: "01", DistrictCode: "006", CommuneCode: "00235", Since: "2022-06-01"},
			DrivingLicence:    &DrivingLicence{Number: "010123456789", Issuer: "Sở GTVT Hà Nội", Classes: []LicenceClass{{Class: "B2", Issued: "2018-07-01", Expires: "2028-07-01"}}},
			Vehicles:          []Vehicle{{Plate: "30A-123.45", Type: "ô tô con", Brand: "Toyota", ChassisNo: "RL4BT9F30K1234567", RegDate: "2019-05-20"}},
			HealthInsurance:   &HealthInsurance{CardNo: "DN4010123456789", BenefitLevel: "4", Province: "01", InitialFacility: "Bệnh viện Đa khoa Đống Đa", ValidFrom: "2025-01-01", ValidTo: "2025-12-31"},
			SocialInsuranceNo: "0123456789",
		},
	}
}

// changeField changes one field of a record, by field name.
var changeField = map[string]func(c *Citizen){
	FieldFullName:         func(c *Citizen) { c.FullName = "Nguyễn Văn Ân" },
	FieldBirthdate:        func(c *Citizen) { c.Birthdate = "1995-03-15" },
	FieldGender:           func(c *Citizen) { c.Gender = Female },
	FieldPhone:            func(c *Citizen) { c.Phone = "+84912345679" },
	FieldEmail:            func(c *Citizen) { c.Email = "" },
	FieldPermanentAddress: func(c *Citizen) { c.PermanentAddress += "." },
	FieldProvinceCode:     func(c *Citizen) { c.ProvinceCode = "001" },
	FieldDistrictCode:     func(c *Citizen) { c.Details.DistrictCode = "003" },
	FieldCommuneCode:      func(c *Citizen) { c.Details.CommuneCode = "" },
	FieldResidenceSince:   func(c *Citizen) { c.Details.ResidenceSince = "2015-09-02" },
	FieldCurrentResidence: func(c *Citizen) {
		c.Details.CurrentResidence = &Address{Formatted: "12 Láng Hạ, Đống Đa, Hà Nội"}
	},
	FieldNationalities: func(c *Citizen) { c.Details.Nationalities = []string{"VN", "FR"} },
	FieldPlaceOfBirth:  func(c *Citizen) { c.Details.PlaceOfBirth = nil },
	FieldHometown: func(c *Citizen) {
		c.Details.Hometown = &Address{Formatted: "Xã Phù Đổng, Gia Lâm, Hà Nội", ProvinceCode: "001"}
	},
	FieldMaritalStatus: func(c *Citizen) { c.Details.MaritalStatus = "divorced" },
	FieldEthnicity:     func(c *Citizen) { c.Details.Ethnicity = &Coded{Code: "03", Label: "Thái"} },
	FieldReligion:      func(c *Citizen) { c.Details.Religion = &Coded{Code: "01", Label: "Phật giáo"} },
	FieldOldIDNumber:   func(c *Citizen) { c.Details.OldIDNumber = "" },
	FieldIDCard:        func(c *Citizen) { c.Details.IDCard = &IDCard{Number: "001095012345", Issued: "2021-04-10"} },
	FieldDrivingLicence: func(c *Citizen) {
		c.Details.DrivingLicence = &DrivingLicence{Number: "010123456789", Issuer: "Sở GTVT Hà Nội",
			Classes: []LicenceClass{{Class: "B2", Issued: "2018-07-01", Expires: "2028-07-01"}, {Class: "A1", Issued: "2014-01-01"}}}
	},
	FieldVehicles: func(c *Citizen) {
		c.Details.Vehicles = append([]Vehicle{{Plate: "29B1-234.56"}}, c.Details.Vehicles...)
	},
	FieldHealthInsurance: func(c *Citizen) { c.Details.HealthInsurance = &HealthInsurance{CardNo: "DN4010123456789"} },
	FieldSocialInsurance: func(c *Citizen) { c.Details.SocialInsuranceNo = "0123456780" },
}

func TestChangedPartsPerField(t *testing.T) {
	for _, name := range RecordFields() {
		change, ok := changeField[name]
		if !ok {
			t.Errorf("field %s has no test case", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			prev, next := fullRecord(), fullRecord()
			change(&next)
			part, _ := FieldPart(name)
			if got := ChangedParts(prev, next); !reflect.DeepEqual(got, []string{part}) {
				t.Errorf("ChangedParts = %v, want [%s]", got, part)
			}
			if got := ChangedParts(next, prev); !reflect.DeepEqual(got, []string{part}) {
				t.Errorf("ChangedParts reversed = %v, want [%s]", got, part)
			}
			if SameCitizenData(prev, next) {
				t.Error("SameCitizenData = true")
			}
		})
	}
	if len(changeField) != len(RecordFields()) {
		t.Errorf("%d test cases for %d fields", len(changeField), len(RecordFields()))
	}
}

func TestChangedParts(t *testing.T) {
	base := fullRecord()
	tests := []struct {
		name   string
		change func(c *Citizen)
		want   []string
	}{
		{"nothing", func(*Citizen) {}, nil},
		{"source, time, sources and fields are not data", func(c *Citizen) {
			c.Source, c.UpdatedAt = "demo", c.UpdatedAt.Add(time.Hour)
			c.Sources = map[string]Provenance{PartIdentity: {Source: "x"}}
			c.Fields = []string{FieldPhone}
		}, nil},
		{"equal values in new memory", func(c *Citizen) {
			dl := *c.Details.DrivingLicence
			dl.Classes = append([]LicenceClass(nil), dl.Classes...)
			c.Details.DrivingLicence = &dl
			card := *c.Details.IDCard
			c.Details.IDCard = &card
			c.Details.Vehicles = append([]Vehicle(nil), c.Details.Vehicles...)
		}, nil},
		{"several parts, in display order", func(c *Citizen) {
			c.Details.SocialInsuranceNo = ""
			c.Details.Ethnicity = nil
			c.Phone = "+84900000000"
		}, []string{PartContact, PartCivil, PartSocialInsurance}},
		{"every part", func(c *Citizen) {
			*c = Citizen{PIN: c.PIN}
		}, RecordParts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := fullRecord()
			tt.change(&next)
			if got := ChangedParts(base, next); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ChangedParts = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChangedPartsEmptyValues(t *testing.T) {
	// Absent and empty are the same: what a JSON round trip may turn one
	// into the other must not count as a change.
	a := Citizen{PIN: "001095012345"}
	b := a
	b.Details.Nationalities = []string{}
	b.Details.Vehicles = []Vehicle{}
	b.Details.IDCard = &IDCard{}
	b.Details.DrivingLicence = &DrivingLicence{Classes: []LicenceClass{}}
	b.Details.HealthInsurance = &HealthInsurance{}
	b.Details.Ethnicity = &Coded{}
	if got := ChangedParts(a, b); got != nil {
		t.Errorf("ChangedParts = %v, want none", got)
	}
	if got := HeldParts(b); got != nil {
		t.Errorf("HeldParts = %v, want none", got)
	}
}

func TestHeldParts(t *testing.T) {
	if got := HeldParts(fullRecord()); !reflect.DeepEqual(got, RecordParts) {
		t.Errorf("full record: %v", got)
	}
	basic := Citizen{PIN: "040207654321", FullName: "Lê Minh Khoa", Birthdate: "2007-05-02", Gender: Male, Phone: "+84987654321"}
	if got := HeldParts(basic); !reflect.DeepEqual(got, []string{PartIdentity, PartContact}) {
		t.Errorf("basic record: %v", got)
	}
	basic.Details.Vehicles = []Vehicle{{Plate: "37A-111.22"}}
	if got := HeldParts(basic); !reflect.DeepEqual(got, []string{PartIdentity, PartContact, PartVehicles}) {
		t.Errorf("with a vehicle: %v", got)
	}
}

func TestMergeCitizen(t *testing.T) {
	stored := fullRecord()
	stored.Sources = LegacySources(stored)

	// A whole record replaces everything.
	whole := Citizen{PIN: stored.PIN, FullName: "Nguyễn Văn An", Source: "import:b.csv"}
	got := MergeCitizen(stored, whole)
	if got.Details.DrivingLicence != nil || got.Phone != "" || got.Source != "import:b.csv" {
		t.Errorf("whole record merged: %+v", got)
	}

	// The eight basic columns: the details stay.
	basic := Citizen{PIN: stored.PIN, FullName: "Nguyễn Văn An", Birthdate: "1995-03-14", Gender: Male,
		Phone: "+84900000001", Email: "", PermanentAddress: "Số 12 phố Tràng Tiền, Hà Nội", ProvinceCode: "01",
		Source: "import:b.csv", UpdatedAt: stored.UpdatedAt.Add(time.Hour),
		Fields: []string{FieldFullName, FieldBirthdate, FieldGender, FieldPhone, FieldEmail, FieldPermanentAddress, FieldProvinceCode}}
	got = MergeCitizen(stored, basic)
	want := stored
	want.Phone, want.Email = "+84900000001", ""
	want.Source, want.UpdatedAt = basic.Source, basic.UpdatedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("basic merge:\n got %+v\nwant %+v", got, want)
	}
	if got := ChangedParts(stored, got); !reflect.DeepEqual(got, []string{PartContact}) {
		t.Errorf("ChangedParts after basic merge = %v", got)
	}

	// Only some columns: an absent one keeps its value, a present empty
	// one clears it.
	partial := Citizen{PIN: stored.PIN, Fields: []string{FieldDrivingLicence, FieldSocialInsurance}}
	got = MergeCitizen(stored, partial)
	if got.FullName != stored.FullName || got.Details.DrivingLicence != nil || got.Details.SocialInsuranceNo != "" ||
		!reflect.DeepEqual(got.Details.Vehicles, stored.Details.Vehicles) {
		t.Errorf("partial merge: %+v", got)
	}
	if got := ChangedParts(stored, got); !reflect.DeepEqual(got, []string{PartDrivingLicence, PartSocialInsurance}) {
		t.Errorf("ChangedParts after partial merge = %v", got)
	}
	// The result is a whole record and does not share stored's Sources.
	got.Sources[PartIdentity] = Provenance{}
	if got.Fields != nil || stored.Sources[PartIdentity].Source != stored.Source {
		t.Errorf("merge result: fields %v; stored sources changed", got.Fields)
	}

	// Merging into nothing is the update with its fields only.
	got = MergeCitizen(Citizen{}, basic)
	if got.Details.IDCard != nil || got.Phone != basic.Phone || got.Fields != nil {
		t.Errorf("merge into empty: %+v", got)
	}
}

func TestTrackSources(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	t1 := t0.Add(24 * time.Hour)
	first := fullRecord()
	first.Details.Vehicles = nil

	// A new record: every part it holds comes from its source.
	got := TrackSources(nil, first, t0)
	want := map[string]Provenance{}
	for _, p := range RecordParts {
		if p != PartVehicles {
			want[p] = Provenance{Source: "import:a.csv", UpdatedAt: t0}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("new record:\n got %v\nwant %v", got, want)
	}
	first.Sources = got

	// An update: changed and new parts get the new source, others keep
	// theirs, a part no longer held has none.
	next := first
	next.Source = "import:b.csv"
	next.Phone = "+84900000001"
	next.Details.Vehicles = []Vehicle{{Plate: "30A-123.45"}}
	next.Details.HealthInsurance = nil
	got = TrackSources(&first, next, t1)
	want[PartContact] = Provenance{Source: "import:b.csv", UpdatedAt: t1}
	want[PartVehicles] = Provenance{Source: "import:b.csv", UpdatedAt: t1}
	delete(want, PartHealthInsurance)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("update:\n got %v\nwant %v", got, want)
	}

	// A record stored before provenance was tracked: unchanged parts are
	// credited to the record's source and time.
	legacy := fullRecord()
	legacy.Source, legacy.UpdatedAt = "import:old.csv", t0
	next = legacy
	next.Source = "demo"
	next.Details.MaritalStatus = "single"
	got = TrackSources(&legacy, next, t1)
	if got[PartCivil] != (Provenance{Source: "demo", UpdatedAt: t1}) || got[PartIdentity] != (Provenance{Source: "import:old.csv", UpdatedAt: t0}) || len(got) != len(RecordParts) {
		t.Errorf("legacy: %v", got)
	}
	if !reflect.DeepEqual(LegacySources(legacy), TrackSources(&legacy, legacy, t1)) {
		t.Errorf("unchanged legacy record: %v", TrackSources(&legacy, legacy, t1))
	}
}
