package storagetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/identity"
)

// withSources returns c with every listed part credited to source at at.
func withSources(c identity.Citizen, source string, at time.Time, parts ...string) identity.Citizen {
	c.Sources = map[string]identity.Provenance{}
	for _, p := range parts {
		c.Sources[p] = identity.Provenance{Source: source, UpdatedAt: at}
	}
	return c
}

// fullCitizen holds a value in every field of the record (fictional).
func fullCitizen(pin string) identity.Citizen {
	c := citizen(pin, "Nguyễn Văn An")
	c.Gender = identity.Male
	c.Details = identity.CitizenDetails{
		OldIDNumber:   "012345678",
		IDCard:        &identity.IDCard{Number: pin, Issued: "2021-04-10", Expires: "2035-03-14", Authority: "Cục Cảnh sát QLHC về TTXH"},
		Nationalities: []string{"VN", "FR"},
		PlaceOfBirth:  &identity.PlaceOfBirth{Country: "VN", Region: "Hà Nội", Locality: "Quận Hoàn Kiếm"},
		Hometown:      &identity.Address{Formatted: "Xã Phù Đổng, huyện Gia Lâm, Hà Nội", ProvinceCode: "01", DistrictCode: "018", CommuneCode: "00508", Since: "1995-03-14"},
		MaritalStatus: "married",
		Ethnicity:     &identity.Coded{Code: "01", Label: "Kinh"},
		Religion:      &identity.Coded{Code: "01", Label: "Phật giáo"},
		DistrictCode:  "002", CommuneCode: "00070", ResidenceSince: "2015-09-01",
		CurrentResidence: &identity.Address{Formatted: "Số 8 ngõ 12 Láng Hạ, Đống Đa, Hà Nội", ProvinceCode: "01", DistrictCode: "006", CommuneCode: "00235", Since: "2022-06-01"},
		DrivingLicence: &identity.DrivingLicence{Number: "010123456789", Issuer: "Sở GTVT Hà Nội", Classes: []identity.LicenceClass{
			{Class: "B2", Issued: "2018-07-01", Expires: "2028-07-01"}, {Class: "A1", Issued: "2014-01-05"}}},
		Vehicles: []identity.Vehicle{
			{Plate: "30A-123.45", Type: "ô tô con", Brand: "Toyota", ChassisNo: "RL4BT9F30K1234567", RegDate: "2019-05-20"},
			{Plate: "29B1-234.56", Type: "xe mô tô", Brand: "Honda", ChassisNo: "RLHJC5204KY123456", RegDate: "2016-11-02"},
		},
		HealthInsurance:   &identity.HealthInsurance{CardNo: "DN4010123456789", BenefitLevel: "4", Province: "01", InitialFacility: "Bệnh viện Đa khoa Đống Đa", ValidFrom: "2026-01-01", ValidTo: "2026-12-31"},
		SocialInsuranceNo: "0123456789",
	}
	return c
}

// allParts is every part, credited to source at at.
func allParts(c identity.Citizen, source string, at time.Time) identity.Citizen {
	return withSources(c, source, at, identity.RecordParts...)
}

func getCitizen(t *testing.T, e *env, pin string) identity.Citizen {
	t.Helper()
	c, err := e.s.GetCitizen(e.ctx, pin)
	if err != nil {
		t.Fatalf("GetCitizen: %v", err)
	}
	return c
}

func testCitizenDetails(t *testing.T, e *env) {
	c := fullCitizen("001095012345")
	// The fixture must hold every detail, so that a field added to
	// CitizenDetails without storage fails here.
	v := reflect.ValueOf(c.Details)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("fullCitizen leaves CitizenDetails.%s empty", v.Type().Field(i).Name)
		}
	}
	i, u, n, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{c})
	wantCounts(t, "import with details", i, u, n, 1, 0, 0, err)
	got := getCitizen(t, e, c.PIN)
	if want := allParts(c, c.Source, start); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}

	// A record without details reads back without any.
	plain := citizen("001095012346", "Trần Thị Bình")
	if _, _, _, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{plain}); err != nil {
		t.Fatal(err)
	}
	if got := getCitizen(t, e, plain.PIN); !reflect.DeepEqual(got.Details, identity.CitizenDetails{}) {
		t.Fatalf("details of a plain record: %+v", got.Details)
	}
}

func testCitizenDetailsIdempotent(t *testing.T, e *env) {
	a, b := fullCitizen("001095012345"), fullCitizen("079304123456")
	b.FullName = "Trần Thị Bích Ngọc"
	i, u, n, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{a, b})
	wantCounts(t, "first import", i, u, n, 2, 0, 0, err)
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{a, b})
	wantCounts(t, "same import again", i, u, n, 0, 0, 2, err)

	// Equal details in new memory, empty lists for absent ones, another
	// source and time: still unchanged, provenance untouched.
	e.clock.Advance(time.Hour)
	a2 := fullCitizen(a.PIN)
	a2.Source, a2.UpdatedAt = "import:b.csv", time.Time{}
	c := citizen("001090000003", "Lê Minh Châu")
	if _, _, _, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{c}); err != nil {
		t.Fatal(err)
	}
	c2 := c
	c2.Details.Vehicles, c2.Details.Nationalities = []identity.Vehicle{}, []string{}
	c2.Details.IDCard = &identity.IDCard{}
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{a2, c2})
	wantCounts(t, "equal details", i, u, n, 0, 0, 2, err)
	if got := getCitizen(t, e, a.PIN); !reflect.DeepEqual(got, allParts(a, a.Source, start)) {
		t.Fatalf("unchanged record rewritten: %+v", got)
	}

	// A change deep inside a detail is a change.
	b2 := fullCitizen(b.PIN)
	b2.FullName = b.FullName
	b2.Details.DrivingLicence.Classes = []identity.LicenceClass{
		{Class: "B2", Issued: "2018-07-01", Expires: "2028-07-02"}, {Class: "A1", Issued: "2014-01-05"}}
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{a, b2})
	wantCounts(t, "licence class changed", i, u, n, 0, 1, 1, err)
	if got := getCitizen(t, e, b.PIN); got.Details.DrivingLicence.Classes[0].Expires != "2028-07-02" {
		t.Fatalf("licence classes = %+v", got.Details.DrivingLicence.Classes)
	}

	// A repeated PIN within one input, differing only in details.
	d := fullCitizen("048188000777")
	d2 := fullCitizen(d.PIN)
	d2.Details.Vehicles = d2.Details.Vehicles[:1]
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{d, d, d2})
	wantCounts(t, "repeated PIN", i, u, n, 1, 1, 1, err)
	if got := getCitizen(t, e, d.PIN); len(got.Details.Vehicles) != 1 {
		t.Fatalf("vehicles = %+v", got.Details.Vehicles)
	}
}

func testCitizenProvenance(t *testing.T, e *env) {
	t0 := start
	t1 := start.Add(24 * time.Hour)
	t2 := start.Add(48 * time.Hour)
	a := fullCitizen("001095012345")
	a.Details.Vehicles = nil
	if _, _, _, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{a}); err != nil {
		t.Fatal(err)
	}
	want := a
	want.Sources = map[string]identity.Provenance{}
	for _, p := range identity.RecordParts {
		if p != identity.PartVehicles { // not held: no provenance
			want.Sources[p] = identity.Provenance{Source: "import:a.csv", UpdatedAt: t0}
		}
	}
	if got := getCitizen(t, e, a.PIN); !reflect.DeepEqual(got, want) {
		t.Fatalf("new record:\n got %+v\nwant %+v", got.Sources, want.Sources)
	}

	// A later file changes the phone and adds a vehicle: only those parts
	// get its provenance.
	b := a
	b.Source, b.UpdatedAt = "import:b.csv", t1
	b.Phone = "+84909999999"
	b.Details.Vehicles = []identity.Vehicle{{Plate: "30A-123.45", Type: "ô tô con"}}
	i, u, n, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{b})
	wantCounts(t, "second file", i, u, n, 0, 1, 0, err)
	got := getCitizen(t, e, a.PIN)
	for _, p := range identity.RecordParts {
		wantP := identity.Provenance{Source: "import:a.csv", UpdatedAt: t0}
		if p == identity.PartContact || p == identity.PartVehicles {
			wantP = identity.Provenance{Source: "import:b.csv", UpdatedAt: t1}
		}
		if got.Sources[p] != wantP {
			t.Errorf("after second file, %s: %+v, want %+v", p, got.Sources[p], wantP)
		}
	}
	if got.Source != "import:b.csv" || !got.UpdatedAt.Equal(t1) || got.Phone != b.Phone {
		t.Errorf("record after second file: %s %v %s", got.Source, got.UpdatedAt, got.Phone)
	}

	// A part cleared loses its provenance; a zero UpdatedAt is the
	// store's clock.
	e.clock.Advance(48 * time.Hour)
	c := b
	c.Source, c.UpdatedAt = "import:c.csv", time.Time{}
	c.Details.HealthInsurance = nil
	if _, _, _, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{c}); err != nil {
		t.Fatal(err)
	}
	got = getCitizen(t, e, a.PIN)
	if _, ok := got.Sources[identity.PartHealthInsurance]; ok || got.Details.HealthInsurance != nil {
		t.Errorf("cleared health insurance: %+v, %+v", got.Sources, got.Details.HealthInsurance)
	}
	if got.Sources[identity.PartIdentity] != (identity.Provenance{Source: "import:a.csv", UpdatedAt: t0}) || !got.UpdatedAt.Equal(t2) {
		t.Errorf("after clearing: %+v, updated %v", got.Sources, got.UpdatedAt)
	}
}

func testCitizenPartialFields(t *testing.T, e *env) {
	a := fullCitizen("001095012345")
	if _, _, _, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{a}); err != nil {
		t.Fatal(err)
	}
	basicFields := []string{identity.FieldFullName, identity.FieldBirthdate, identity.FieldGender, identity.FieldPhone,
		identity.FieldEmail, identity.FieldPermanentAddress, identity.FieldProvinceCode}

	// The same basic fields again, without details: nothing changes.
	basic := citizen(a.PIN, a.FullName)
	basic.Gender = a.Gender
	basic.Source, basic.UpdatedAt = "import:basic.csv", start.Add(time.Hour)
	basic.Fields = basicFields
	i, u, n, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{basic})
	wantCounts(t, "basic fields, same values", i, u, n, 0, 0, 1, err)
	if got := getCitizen(t, e, a.PIN); !reflect.DeepEqual(got, allParts(a, a.Source, start)) {
		t.Fatalf("details lost or rewritten by a basic file:\n got %+v\nwant %+v", got, allParts(a, a.Source, start))
	}

	// A new phone in a basic file: the details survive.
	basic.Phone = "+84909999999"
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{basic})
	wantCounts(t, "basic fields, new phone", i, u, n, 0, 1, 0, err)
	got := getCitizen(t, e, a.PIN)
	want := a
	want.Phone, want.Source, want.UpdatedAt = basic.Phone, basic.Source, basic.UpdatedAt
	want = allParts(want, a.Source, start)
	want.Sources[identity.PartContact] = identity.Provenance{Source: basic.Source, UpdatedAt: basic.UpdatedAt}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after a basic file:\n got %+v\nwant %+v", got, want)
	}

	// A file with only the driving-licence columns, empty: it clears the
	// licence and nothing else.
	clear := identity.Citizen{PIN: a.PIN, Source: "import:dl.csv", UpdatedAt: start.Add(2 * time.Hour),
		Fields: []string{identity.FieldDrivingLicence}}
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{clear})
	wantCounts(t, "licence cleared", i, u, n, 0, 1, 0, err)
	got = getCitizen(t, e, a.PIN)
	if got.Details.DrivingLicence != nil || got.FullName != a.FullName || got.Phone != basic.Phone || len(got.Details.Vehicles) != 2 {
		t.Fatalf("after clearing the licence: %+v", got)
	}

	// A new citizen with some fields: the others are empty.
	fresh := identity.Citizen{PIN: "040207654321", FullName: "Lê Minh Khoa", Phone: "+84987654321", Source: "import:dl.csv",
		UpdatedAt: start, Fields: []string{identity.FieldFullName, identity.FieldPhone}}
	i, u, n, err = e.s.UpsertCitizens(e.ctx, []identity.Citizen{fresh})
	wantCounts(t, "new citizen with some fields", i, u, n, 1, 0, 0, err)
	got = getCitizen(t, e, fresh.PIN)
	wantFresh := withSources(fresh, fresh.Source, start, identity.PartIdentity, identity.PartContact)
	wantFresh.Fields = nil
	if !reflect.DeepEqual(got, wantFresh) {
		t.Fatalf("new citizen:\n got %+v\nwant %+v", got, wantFresh)
	}
}

func testCitizenLegacyProvenance(t *testing.T, e *env) {
	// A row stored before provenance was tracked (the migration leaves
	// "{}"): every part it holds is credited to the record's source.
	a := citizen("001090000001", "Nguyễn Thị An")
	if _, _, _, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{a}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.DB().WithContext(e.ctx).Exec("UPDATE citizens SET sources = '{}', details = '{}' WHERE pin = ?", a.PIN).Error; err != nil {
		t.Fatal(err)
	}
	legacy := withSources(a, a.Source, start, identity.PartIdentity, identity.PartContact, identity.PartResidence)
	if got := getCitizen(t, e, a.PIN); !reflect.DeepEqual(got, legacy) {
		t.Fatalf("legacy row:\n got %+v\nwant %+v", got, legacy)
	}
	// Adding details later keeps that provenance for the other parts.
	at := start.Add(time.Hour)
	b := a
	b.Source, b.UpdatedAt = "demo", at
	b.Details.Ethnicity = &identity.Coded{Code: "01", Label: "Kinh"}
	if _, _, _, err := e.s.UpsertCitizens(e.ctx, []identity.Citizen{b}); err != nil {
		t.Fatal(err)
	}
	want := withSources(b, a.Source, start, identity.PartIdentity, identity.PartContact, identity.PartResidence)
	want.Sources[identity.PartCivil] = identity.Provenance{Source: "demo", UpdatedAt: at}
	if got := getCitizen(t, e, a.PIN); !reflect.DeepEqual(got, want) {
		t.Fatalf("legacy row updated:\n got %+v\nwant %+v", got.Sources, want.Sources)
	}
}
