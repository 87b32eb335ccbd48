package identity

// ethnicities maps the codes of Vietnam's 54 ethnic groups to their names,
// as in the General Statistics Office's "Danh mục các thành phần dân tộc
// Việt Nam" (Decision 121-TCTK/PPCĐ of 2 March 1979). The GSO's later
// statistical list (Decision 1019/QĐ-TCTK of 2008) numbers some groups
// differently (04 Mường, 05 Khơ-me, 06 Hoa, …, 54 Ơ Đu): a file coded
// with that list must be converted before import.
var ethnicities = map[string]string{
	"01": "Kinh",
	"02": "Tày",
	"03": "Thái",
	"04": "Hoa",
	"05": "Khơ-me",
	"06": "Mường",
	"07": "Nùng",
	"08": "HMông",
	"09": "Dao",
	"10": "Gia-rai",
	"11": "Ngái",
	"12": "Ê-đê",
	"13": "Ba-na",
	"14": "Xơ-đăng",
	"15": "Sán Chay",
	"16": "Cơ-ho",
	"17": "Chăm",
	"18": "Sán Dìu",
	"19": "Hrê",
	"20": "Mnông",
	"21": "Ra-glai",
	"22": "Xtiêng",
	"23": "Bru-Vân Kiều",
	"24": "Thổ",
	"25": "Giáy",
	"26": "Cơ-tu",
	"27": "Gié-Triêng",
	"28": "Mạ",
	"29": "Khơ-mú",
	"30": "Co",
	"31": "Tà-ôi",
	"32": "Chơ-ro",
	"33": "Kháng",
	"34": "Xinh-mun",
	"35": "Hà Nhì",
	"36": "Chu-ru",
	"37": "Lào",
	"38": "La Chí",
	"39": "La Ha",
	"40": "Phù Lá",
	"41": "La Hủ",
	"42": "Lự",
	"43": "Lô Lô",
	"44": "Chứt",
	"45": "Mảng",
	"46": "Pà Thẻn",
	"47": "Cơ Lao",
	"48": "Cống",
	"49": "Bố Y",
	"50": "Si La",
	"51": "Pu Péo",
	"52": "Brâu",
	"53": "Ơ Đu",
	"54": "Rơ-măm",
}

// Ethnicity returns the vn_ethnicity value {code, label} of a 2-digit
// ethnic-group code, and false for a code not in the list.
func Ethnicity(code string) (Coded, bool) {
	label, ok := ethnicities[code]
	if !ok {
		return Coded{}, false
	}
	return Coded{Code: code, Label: label}, true
}
