package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/identity"
)

// demoCSV writes citizens as a citizen file with every optional column,
// the way a registrar would export them.
func demoCSV(t *testing.T, cs []identity.Citizen) string {
	t.Helper()
	header := []string{"id_number", "full_name", "birthdate", "gender", "phone", "email", "permanent_address", "province_code"}
	for _, g := range identity.DetailColumns() {
		header = append(header, g...)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(header)
	for _, c := range cs {
		d := c.Details
		v := map[string]string{
			"id_number": c.PIN, "full_name": c.FullName, "birthdate": c.Birthdate, "gender": string(c.Gender), "phone": c.Phone,
			"email": c.Email, "permanent_address": c.PermanentAddress, "province_code": c.ProvinceCode,
			"old_id_number": d.OldIDNumber, "nationalities": strings.Join(d.Nationalities, ";"), "marital_status": d.MaritalStatus,
			"district_code": d.DistrictCode, "commune_code": d.CommuneCode, "residence_since": d.ResidenceSince,
			"social_insurance_no": d.SocialInsuranceNo,
		}
		if x := d.IDCard; x != nil {
			v["id_card_number"], v["id_card_issued"], v["id_card_expires"], v["id_card_authority"] = x.Number, x.Issued, x.Expires, x.Authority
		}
		if x := d.PlaceOfBirth; x != nil {
			v["birth_country"], v["birth_region"], v["birth_locality"] = x.Country, x.Region, x.Locality
		}
		if x := d.Hometown; x != nil {
			v["hometown"], v["hometown_province_code"] = x.Formatted, x.ProvinceCode
		}
		if x := d.Ethnicity; x != nil {
			v["ethnicity_code"] = x.Code
		}
		if x := d.Religion; x != nil {
			v["religion_code"], v["religion_label"] = x.Code, x.Label
		}
		if x := d.CurrentResidence; x != nil {
			v["current_address"], v["current_province_code"], v["current_district_code"], v["current_commune_code"], v["current_since"] =
				x.Formatted, x.ProvinceCode, x.DistrictCode, x.CommuneCode, x.Since
		}
		if x := d.DrivingLicence; x != nil {
			v["driving_licence_number"], v["driving_licence_issuer"] = x.Number, x.Issuer
			var cls []string
			for _, lc := range x.Classes {
				cls = append(cls, lc.Class+":"+lc.Issued+":"+lc.Expires)
			}
			v["driving_licence_classes"] = strings.Join(cls, ";")
		}
		var vs []string
		for _, x := range d.Vehicles {
			vs = append(vs, strings.Join([]string{x.Plate, x.Type, x.Brand, x.ChassisNo, x.RegDate}, "|"))
		}
		v["vehicles"] = strings.Join(vs, ";")
		if x := d.HealthInsurance; x != nil {
			v["health_insurance_card_no"], v["health_insurance_benefit_level"], v["health_insurance_province"] = x.CardNo, x.BenefitLevel, x.Province
			v["health_insurance_initial_facility"], v["health_insurance_valid_from"], v["health_insurance_valid_to"] = x.InitialFacility, x.ValidFrom, x.ValidTo
		}
		row := make([]string, len(header))
		for i, col := range header {
			row[i] = v[col]
		}
		_ = w.Write(row)
	}
	w.Flush()
	return b.String()
}

func TestDemoCitizens(t *testing.T) {
	// The demo records pass the importer's rules and read back the same.
	good, rejected, err := identity.ParseCitizensCSV(strings.NewReader(demoCSV(t, demoCitizens)), time.Now())
	if err != nil || len(rejected) != 0 || len(good) != len(demoCitizens) {
		t.Fatalf("demo data as a citizen file: %v, rejected %+v", err, rejected)
	}
	for i, c := range good {
		if !reflect.DeepEqual(c.Details, demoCitizens[i].Details) {
			t.Errorf("%s: details do not survive an import:\n got %+v\nwant %+v", c.FullName, c.Details, demoCitizens[i].Details)
		}
	}

	byPIN := map[string]identity.Citizen{}
	for _, c := range demoCitizens {
		byPIN[c.PIN] = c
	}
	an, khoa := byPIN["001095012345"], byPIN[demoFirstLoginPIN]
	if got := identity.HeldParts(an); !reflect.DeepEqual(got, identity.RecordParts) {
		t.Errorf("An holds %v, want every part", got)
	}
	if got := identity.HeldParts(khoa); !reflect.DeepEqual(got, []string{identity.PartIdentity, identity.PartContact, identity.PartResidence, identity.PartCivil}) {
		t.Errorf("Khoa holds %v, want no documents", got)
	}
	if khoa.Details.CurrentResidence.ProvinceCode+khoa.Details.CurrentResidence.DistrictCode == khoa.ProvinceCode+khoa.Details.DistrictCode {
		t.Error("Khoa's current residence is in his permanent-residence district")
	}
}

func TestSeedDemo(t *testing.T) {
	ctx := context.Background()
	a, err := app.New(ctx, app.Options{
		Issuer: "http://localhost:8080", DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "demo.db"),
		MasterKey: make([]byte, 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PasswordParams: identity.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for range 2 { // idempotent
		if err := seedDemo(ctx, a, "http://localhost:8081/callback"); err != nil {
			t.Fatal(err)
		}
	}
	acc, err := a.Store.GetAccountByPIN(ctx, "001095012345")
	if err != nil || acc.Level != identity.Level2 {
		t.Fatalf("An's account: %+v, %v", acc, err)
	}
	an, err := a.Store.GetCitizen(ctx, "001095012345")
	if err != nil || an.Details.DrivingLicence == nil || len(an.Details.Vehicles) != 2 || an.Sources[identity.PartVehicles].Source != "demo" {
		t.Fatalf("An's record: %+v, %v", an, err)
	}
}
