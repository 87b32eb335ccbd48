package portal

// countryNames gives the Vietnamese names of the countries where
// candidates born abroad or holding a second nationality most often come
// from. Other codes are shown as the ISO 3166-1 code itself.
var countryNames = map[string]string{
	"AT": "Áo", "AU": "Ô-xtrây-li-a", "BE": "Bỉ", "BG": "Bun-ga-ri",
	"CA": "Ca-na-đa", "CH": "Thụy Sĩ", "CN": "Trung Quốc", "CU": "Cu-ba",
	"CZ": "Séc", "DE": "Đức", "DK": "Đan Mạch", "ES": "Tây Ban Nha",
	"FI": "Phần Lan", "FR": "Pháp", "GB": "Vương quốc Anh", "HU": "Hung-ga-ri",
	"ID": "In-đô-nê-xi-a", "IN": "Ấn Độ", "IT": "I-ta-li-a", "JP": "Nhật Bản",
	"KH": "Cam-pu-chia", "KR": "Hàn Quốc", "LA": "Lào", "MM": "Mi-an-ma",
	"MY": "Ma-lai-xi-a", "NL": "Hà Lan", "NO": "Na Uy", "NZ": "Niu Di-lân",
	"PH": "Phi-líp-pin", "PL": "Ba Lan", "RO": "Ru-ma-ni", "RU": "Liên bang Nga",
	"SE": "Thụy Điển", "SG": "Xin-ga-po", "SK": "Xlô-va-ki-a", "TH": "Thái Lan",
	"UA": "U-crai-na", "US": "Hoa Kỳ",
}

// countryName returns the Vietnamese name of an ISO 3166-1 alpha-2 code.
func countryName(code string) string {
	if isVN(code) {
		return "Việt Nam"
	}
	if name, ok := countryNames[code]; ok {
		return name
	}
	return code
}
