package identity

import (
	"fmt"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestEthnicities(t *testing.T) {
	if len(ethnicities) != 54 {
		t.Fatalf("%d ethnic groups, want 54", len(ethnicities))
	}
	labels := map[string]bool{}
	for i := 1; i <= 54; i++ {
		code := fmt.Sprintf("%02d", i)
		e, ok := Ethnicity(code)
		if !ok || e.Code != code || e.Label == "" || labels[e.Label] || !norm.NFC.IsNormalString(e.Label) {
			t.Errorf("Ethnicity(%s) = %+v, %v", code, e, ok)
		}
		labels[e.Label] = true
	}
	for code, label := range map[string]string{"01": "Kinh", "02": "Tày", "03": "Thái", "04": "Hoa", "05": "Khơ-me",
		"06": "Mường", "07": "Nùng", "08": "HMông", "09": "Dao", "10": "Gia-rai", "53": "Ơ Đu", "54": "Rơ-măm"} {
		if e, _ := Ethnicity(code); e.Label != label {
			t.Errorf("Ethnicity(%s) = %q, want %q", code, e.Label, label)
		}
	}
	for _, bad := range []string{"", "0", "00", "1", "55", "99", "Kinh"} {
		if _, ok := Ethnicity(bad); ok {
			t.Errorf("Ethnicity(%q) accepted", bad)
		}
	}
}
