package idaschema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// emitted is the verified_claims object the provider is going to emit for a
// citizen whose chip ID card was checked in person.
const emitted = `{
  "verification": {
    "trust_framework": "vn_nd69_2024",
    "assurance_level": "2",
    "time": "2026-01-02T03:04:05Z",
    "evidence": [{
      "type": "document",
      "check_details": [{
        "check_method": "vpip",
        "organization": "Bộ Công an",
        "time": "2026-01-02T03:04:05Z"
      }],
      "time": "2026-01-02T03:04:05Z",
      "document_details": {
        "type": "idcard",
        "document_number": "001095012345",
        "date_of_issuance": "2021-04-01",
        "date_of_expiry": "2035-03-14",
        "issuer": {
          "name": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
          "country_code": "VNM"
        }
      }
    }]
  },
  "claims": {
    "given_name": "An",
    "family_name": "Nguyễn",
    "birthdate": "1995-03-14"
  }
}`

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("test JSON does not parse: %v", err)
	}
	return v
}

// emittedWith returns a fresh decoded copy of emitted after change.
func emittedWith(t *testing.T, change func(vc map[string]any)) any {
	t.Helper()
	vc := decode(t, emitted).(map[string]any)
	change(vc)
	return vc
}

func verification(vc map[string]any) map[string]any {
	return vc["verification"].(map[string]any)
}

func firstEvidence(vc map[string]any) map[string]any {
	return verification(vc)["evidence"].([]any)[0].(map[string]any)
}

func firstCheck(vc map[string]any) map[string]any {
	return firstEvidence(vc)["check_details"].([]any)[0].(map[string]any)
}

func documentDetails(vc map[string]any) map[string]any {
	return firstEvidence(vc)["document_details"].(map[string]any)
}

// leafLocations lists "instance-pointer: message" for every leaf cause of a
// validation error.
func leafLocations(err error) []string {
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return nil
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, "/"+strings.Join(e.InstanceLocation, "/")+": "+e.Error())
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	return out
}

func TestEmittedObjectConforms(t *testing.T) {
	if err := ValidateVerifiedClaims(decode(t, emitted)); err != nil {
		t.Fatalf("the object the provider emits is rejected: %v", err)
	}
}

func TestArrayForm(t *testing.T) {
	second := `{
	  "verification": {"trust_framework": "vn_nd69_2024", "assurance_level": "1"},
	  "claims": {"address": {"formatted": "Hà Nội", "country_code": "VNM"}}
	}`
	arr := []any{decode(t, emitted), decode(t, second)}
	if err := ValidateVerifiedClaims(arr); err != nil {
		t.Fatalf("array of two valid objects rejected: %v", err)
	}

	bad := decode(t, `{"verification": {"assurance_level": "1"}, "claims": {"given_name": "An"}}`)
	err := ValidateVerifiedClaims([]any{decode(t, emitted), bad})
	if err == nil {
		t.Fatal("array with an item lacking trust_framework accepted")
	}
	assertLeafAt(t, err, "/1/verification")
}

func TestSpecAllows(t *testing.T) {
	cases := map[string]any{
		// The minimum: a trust framework and the claims.
		"minimum": decode(t, `{"verification": {"trust_framework": "vn_nd69_2024"}, "claims": {"given_name": "An"}}`),
		// Schema Definition 1.0, claims element: "may be empty".
		"empty claims": decode(t, `{"verification": {"trust_framework": "vn_nd69_2024"}, "claims": {}}`),
		// YYYY-MM-DDThh:mm[:ss]TZD: seconds are optional, TZD may be an offset.
		"time without seconds": emittedWith(t, func(vc map[string]any) {
			verification(vc)["time"] = "2026-01-02T03:04Z"
			firstCheck(vc)["time"] = "2026-01-02T10:04+07:00"
		}),
		// Members the specification does not define are to be ignored.
		"unknown members": emittedWith(t, func(vc map[string]any) {
			vc["x_note"] = "ignored"
			verification(vc)["x_batch"] = 7
			firstCheck(vc)["txn"] = "legacy-name-for-check_id"
		}),
		"derived claims": emittedWith(t, func(vc map[string]any) {
			firstEvidence(vc)["derived_claims"] = map[string]any{"given_name": "An"}
		}),
		"language-tagged claim": emittedWith(t, func(vc map[string]any) {
			vc["claims"].(map[string]any)["family_name#vi"] = "Nguyễn"
		}),
		"birth year only": emittedWith(t, func(vc map[string]any) {
			vc["claims"].(map[string]any)["birthdate"] = "1995"
		}),
		"electronic record": decode(t, `{
		  "verification": {
		    "trust_framework": "vn_nd69_2024",
		    "evidence": [{
		      "type": "electronic_record",
		      "check_details": [{"check_method": "data", "check_id": "csdlqg-1"}],
		      "record": {"type": "population_register", "created_at": "2021-04-01T00:00Z",
		                 "source": {"name": "Cơ sở dữ liệu quốc gia về dân cư", "country_code": "VNM"}}
		    }]
		  },
		  "claims": {"given_name": "An"}
		}`),
		"assurance process": emittedWith(t, func(vc map[string]any) {
			firstCheck(vc)["check_id"] = "chk-1"
			verification(vc)["assurance_process"] = map[string]any{
				"policy": "nd69",
				"assurance_details": []any{map[string]any{
					"assurance_type": "verification",
					"evidence_ref":   []any{map[string]any{"check_id": "chk-1"}},
				}},
			}
		}),
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if err := ValidateVerifiedClaims(doc); err != nil {
				t.Fatalf("rejected: %v", err)
			}
		})
	}
}

func TestNonConforming(t *testing.T) {
	cases := []struct {
		name string
		doc  any
		at   string // instance location where a leaf error must be reported
	}{
		{"missing trust_framework", emittedWith(t, func(vc map[string]any) {
			delete(verification(vc), "trust_framework")
		}), "/verification"},
		{"trust_framework not a string", emittedWith(t, func(vc map[string]any) {
			verification(vc)["trust_framework"] = 69
		}), "/verification/trust_framework"},
		{"missing verification", emittedWith(t, func(vc map[string]any) {
			delete(vc, "verification")
		}), "/"},
		{"missing claims", emittedWith(t, func(vc map[string]any) {
			delete(vc, "claims")
		}), "/"},
		{"claims not an object", emittedWith(t, func(vc map[string]any) {
			vc["claims"] = []any{"given_name"}
		}), "/claims"},
		{"evidence without type", emittedWith(t, func(vc map[string]any) {
			delete(firstEvidence(vc), "type")
		}), "/verification/evidence/0"},
		{"evidence of an undefined type", emittedWith(t, func(vc map[string]any) {
			firstEvidence(vc)["type"] = "id_document"
		}), "/verification/evidence/0/type"},
		{"check_details member without check_method", emittedWith(t, func(vc map[string]any) {
			delete(firstCheck(vc), "check_method")
		}), "/verification/evidence/0/check_details/0"},
		{"empty check_details on a document", emittedWith(t, func(vc map[string]any) {
			firstEvidence(vc)["check_details"] = []any{}
		}), "/verification/evidence/0/check_details"},
		{"document_details without type", emittedWith(t, func(vc map[string]any) {
			delete(documentDetails(vc), "type")
		}), "/verification/evidence/0/document_details"},
		{"verification time is a date", emittedWith(t, func(vc map[string]any) {
			verification(vc)["time"] = "2026-01-02"
		}), "/verification/time"},
		{"verification time without zone", emittedWith(t, func(vc map[string]any) {
			verification(vc)["time"] = "2026-01-02T03:04:05"
		}), "/verification/time"},
		{"check time in local notation", emittedWith(t, func(vc map[string]any) {
			firstCheck(vc)["time"] = "02/01/2026 03:04"
		}), "/verification/evidence/0/check_details/0/time"},
		{"time as a number", emittedWith(t, func(vc map[string]any) {
			verification(vc)["time"] = 1767323045
		}), "/verification/time"},
		{"expiry not YYYY-MM-DD", emittedWith(t, func(vc map[string]any) {
			documentDetails(vc)["date_of_expiry"] = "14/03/2035"
		}), "/verification/evidence/0/document_details/date_of_expiry"},
		{"expiry not a calendar date", emittedWith(t, func(vc map[string]any) {
			documentDetails(vc)["date_of_expiry"] = "2035-02-30"
		}), "/verification/evidence/0/document_details/date_of_expiry"},
		{"birthdate in local notation", emittedWith(t, func(vc map[string]any) {
			vc["claims"].(map[string]any)["birthdate"] = "14/03/1995"
		}), "/claims/birthdate"},
		{"empty derived_claims", emittedWith(t, func(vc map[string]any) {
			firstEvidence(vc)["derived_claims"] = map[string]any{}
		}), "/verification/evidence/0/derived_claims"},
		{"evidence_ref without check_id", emittedWith(t, func(vc map[string]any) {
			verification(vc)["assurance_process"] = map[string]any{
				"assurance_details": []any{map[string]any{
					"evidence_ref": []any{map[string]any{"evidence_metadata": map[string]any{}}},
				}},
			}
		}), "/verification/assurance_process/assurance_details/0/evidence_ref/0"},
		{"empty assurance_process", emittedWith(t, func(vc map[string]any) {
			verification(vc)["assurance_process"] = map[string]any{}
		}), "/verification/assurance_process"},
		{"electronic_signature without issuer", emittedWith(t, func(vc map[string]any) {
			verification(vc)["evidence"] = []any{map[string]any{
				"type":           "electronic_signature",
				"signature_type": "qes",
				"serial_number":  "1234",
			}}
		}), "/verification/evidence/0"},
		{"electronic_record record without type", emittedWith(t, func(vc map[string]any) {
			verification(vc)["evidence"] = []any{map[string]any{
				"type":   "electronic_record",
				"record": map[string]any{"source": map[string]any{"name": "CSDLQG"}},
			}}
		}), "/verification/evidence/0/record"},
		{"vouch attestation without type", emittedWith(t, func(vc map[string]any) {
			verification(vc)["evidence"] = []any{map[string]any{
				"type":        "vouch",
				"attestation": map[string]any{"reference_number": "42"},
			}}
		}), "/verification/evidence/0/attestation"},
		{"verified_claims a string", "verified", "/"},
		{"array item not an object", []any{"verified"}, "/0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateVerifiedClaims(c.doc)
			if err == nil {
				t.Fatal("accepted")
			}
			assertLeafAt(t, err, c.at)
		})
	}
}

// assertLeafAt fails unless some leaf error is reported exactly at pointer,
// so a case fails for the reason it was written for.
func assertLeafAt(t *testing.T, err error, pointer string) {
	t.Helper()
	leaves := leafLocations(err)
	if len(leaves) == 0 {
		t.Fatalf("not a schema validation error: %v", err)
	}
	for _, l := range leaves {
		if strings.HasPrefix(l, pointer+": ") {
			return
		}
	}
	t.Fatalf("no error at %s; errors:\n%s", pointer, strings.Join(leaves, "\n"))
}

func TestGoValuesAreAccepted(t *testing.T) {
	type check struct {
		CheckMethod string `json:"check_method"`
	}
	type evidence struct {
		Type         string  `json:"type"`
		CheckDetails []check `json:"check_details"`
	}
	type verificationT struct {
		TrustFramework string     `json:"trust_framework"`
		Evidence       []evidence `json:"evidence"`
	}
	type vcT struct {
		Verification verificationT     `json:"verification"`
		Claims       map[string]string `json:"claims"`
	}
	ok := vcT{
		Verification: verificationT{"vn_nd69_2024", []evidence{{"document", []check{{"vcrypt"}}}}},
		Claims:       map[string]string{"given_name": "An"},
	}
	if err := ValidateVerifiedClaims(ok); err != nil {
		t.Fatalf("struct value rejected: %v", err)
	}
	if err := ValidateVerifiedClaims(json.RawMessage(emitted)); err != nil {
		t.Fatalf("json.RawMessage rejected: %v", err)
	}
	bad := ok
	bad.Verification.Evidence = []evidence{{"document", []check{{""}}}}
	bad.Verification.TrustFramework = ""
	// Empty strings are still strings: the schema does not forbid them.
	if err := ValidateVerifiedClaims(bad); err != nil {
		t.Fatalf("empty strings rejected: %v", err)
	}
	if err := ValidateVerifiedClaims(func() {}); err == nil {
		t.Fatal("a value that is not JSON was accepted")
	}
}

func TestSchemaJSONIsTheEmbeddedSchema(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(SchemaJSON(), &doc); err != nil {
		t.Fatalf("embedded schema is not JSON: %v", err)
	}
	if doc["$id"] != schemaID {
		t.Fatalf("$id = %v, want %s", doc["$id"], schemaID)
	}
	if _, err := schema(); err != nil {
		t.Fatal(err)
	}
}
