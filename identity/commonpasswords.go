package identity

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The list of common passwords refused by ValidateNewPassword (NIST SP
// 800-63B §5.1.1.2: "passwords obtained from previous breach corpuses …
// commonly-used, expected, or compromised"). It holds two parts: the
// hand-written commonpasswords.txt and patterns generated below (repeated
// characters, sequences, keyboard walks, common words and names with the
// endings people add to reach the minimum length).
//
//go:embed commonpasswords.txt
var commonPasswordsTxt string

// commonPasswordKey is the form in which passwords are compared with the
// list: NFKC (as stored), lower case, Vietnamese diacritics removed ("Mật
// khẩu" and "mat khau" are the same guess) and the separators people put
// between words and digit groups dropped.
func commonPasswordKey(pw string) string {
	s := norm.NFD.String(strings.ToLower(norm.NFKC.String(pw)))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == ' ' || r == '.' || r == '-' || r == '_':
		case r == 'đ':
			b.WriteByte('d')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isCommonPassword reports whether pw is on the list.
func isCommonPassword(pw string) bool {
	_, ok := commonPasswords()[commonPasswordKey(pw)]
	return ok
}

// commonPasswords is built on first use (about 30,000 entries, a few
// milliseconds and a couple of megabytes).
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 32<<10)
	add := func(pw string) {
		if k := commonPasswordKey(pw); k != "" {
			set[k] = struct{}{}
		}
	}
	for _, line := range strings.Split(commonPasswordsTxt, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			add(line)
		}
	}
	for _, pw := range generatedCommonPasswords() {
		// Shorter keys are refused by length, save for ones that lost
		// several separators or marks on the way: keep a margin of two.
		if len(pw) >= MinPasswordRunes-2 {
			add(pw)
		}
	}
	return set
})

// Generation bounds: passwords shorter than MinPasswordRunes are refused
// anyway, and nobody types a pattern longer than this.
const maxPatternLen = 24

// commonStems are words, names and brands that people pad with digits or
// symbols (commonEndings) to reach the minimum length.
var commonStems = []string{
	// Vietnamese words and phrases, without diacritics as typed on most phones.
	"matkhau", "matkhaumoi", "anhyeuem", "emyeuanh", "yeuem", "yeuanh", "anhyeu", "emyeu", "yeuemnhieu",
	"tinhyeu", "toiyeuban", "anhnhoem", "emnhoanh", "thuongem", "thuonganh", "vietnam", "hanoi", "saigon",
	"hochiminh", "danang", "haiphong", "xinchao", "chaoban", "giadinh", "bame", "yeume", "yeubame", "conmeo",
	"concho", "embe", "congchua", "hoangtu", "deptrai", "xinhgai", "dethuong", "motconvit", "hoilamgi",
	"khongbiet", "dinhdanh", "vneid", "cccd", "cancuoc", "canhan", "hocsinh", "sinhvien", "nhanvien",
	"quantri", "baby", "honey", "cute", "kute", "vip", "pro",
	// Vietnamese surnames and given names.
	"nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo",
	"duong", "ly", "anh", "minh", "linh", "trang", "huong", "ngoc", "lan", "hoa", "tuan", "hung", "dung",
	"hai", "long", "nam", "thao", "thu", "ha", "mai", "phuong", "quang", "duc", "thanh", "khanh", "huy",
	"hieu", "trung", "son", "tien", "hang", "nhung", "nga", "yen", "vy", "my", "nhi", "quynh", "tam", "tu",
	"hanh", "hien", "thuy", "van", "loan", "binh", "cuong", "dat", "kien", "phong", "thang", "vinh", "viet",
	"bao", "an", "khoa", "phuc", "lam", "ngan", "tram", "uyen", "giang", "hue", "nhat", "quan", "toan",
	// International.
	"password", "passw0rd", "p@ssw0rd", "p@ssword", "pass", "iloveyou", "iloveu", "loveyou", "love",
	"mylove", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbn", "zxcvbnm", "qweasd", "qweasdzxc",
	"abc", "abcd", "abcde", "abcdef", "abcdefg", "admin", "administrator", "root", "user", "test", "guest",
	"welcome", "hello", "helloworld", "letmein", "princess", "sunshine", "dragon", "monkey", "master",
	"shadow", "freedom", "football", "baseball", "soccer", "superman", "batman", "spiderman", "pokemon",
	"naruto", "doraemon", "starwars", "minecraft", "facebook", "zalo", "google", "youtube", "samsung",
	"iphone", "apple", "manutd", "chelsea", "arsenal", "liverpool", "barca", "barcelona", "realmadrid",
	"messi", "ronaldo", "cr7", "michael", "jennifer", "charlie", "jordan", "daniel", "thomas", "secret",
	"changeme", "whatever", "trustno1", "computer", "internet", "summer", "winter",
}

// commonEndings are what people append to a stem. Years are added
// separately.
var commonEndings = []string{
	"", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789", "1234567890",
	"0", "00", "000", "01", "11", "111", "1111", "99", "999", "88", "888", "68", "6868", "69", "86",
	"321", "4321", "54321", "654321", "123321", "@123", "@1234", "@12345", "@123456", "123@", "123!",
	"!", "!!", "@", "@@", "!@#", "123!@#", "@123!", "#123", "abc", "abc123", "123abc", "2k", "vn", "vn123",
	"vip", "pro", "xyz", "qwe", "qwerty", "a1", "a123", "a@123",
}

// keyboardWalks are strings people type by running a finger along the
// keyboard; every prefix of at least MinPasswordRunes and every such
// prefix reversed is common.
var keyboardWalks = []string{
	"1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
	"!@#$%^&*()_+", "qwertyuiopasdfghjklzxcvbnm", "asdfghjklqwertyuiop", "zxcvbnmasdfghjkl",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "zaq1xsw2cde3vfr4bgt5nhy6mju7", "qazwsxedcrfvtgbyhnujmikolp",
	"1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "1a2s3d4f5g6h7j8k9l", "a1s2d3f4g5h6j7k8l9",
	"1qa2ws3ed4rf5tg6yh", "qweasdzxcrtyfghvbn", "qweasdzxc123456789", "147258369147258369", "159357159357",
	"1472583690", "3692581470", "7894561230", "1593574862", "7531598426", "1470258369",
}

// repeatedBlocks are short blocks people repeat until long enough.
var repeatedBlocks = []string{
	"12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789", "01", "010", "10", "21",
	"321", "4321", "54321", "69", "68", "86", "88", "99", "00", "11", "22", "66", "77", "1122", "112233",
	"123321", "1212", "147", "258", "369", "159", "357", "789", "987", "456", "520", "1314", "5201314",
	"ab", "abc", "abcd", "abc123", "123abc", "a1", "1a", "aa", "aabb", "qwe", "qwer", "qwerty", "asd",
	"asdf", "zxc", "xyz", "hi", "hihi", "haha", "hehe", "hoho", "kk", "love", "yeu", "yeuem", "anhyeuem",
	"iloveyou", "pass", "test", "abcabc",
}

// generatedCommonPasswords lists the patterns; duplicates are harmless.
func generatedCommonPasswords() []string {
	var out []string
	lengths := func(f func(n int)) {
		for n := MinPasswordRunes; n <= maxPatternLen; n++ {
			f(n)
		}
	}
	// One character repeated: "1111111111", "aaaaaaaaaa".
	for _, c := range "0123456789abcdefghijklmnopqrstuvwxyz" {
		lengths(func(n int) { out = append(out, strings.Repeat(string(c), n)) })
	}
	// Digit sequences from any start, going round: "1234567890",
	// "2345678901", "0987654321"; the alphabet from a and back from z.
	const digits, letters = "0123456789", "abcdefghijklmnopqrstuvwxyz"
	for start := range digits {
		lengths(func(n int) {
			var up, down strings.Builder
			for i := 0; i < n; i++ {
				up.WriteByte(digits[(start+i)%10])
				down.WriteByte(digits[(start+10-i%10)%10])
			}
			out = append(out, up.String(), down.String())
		})
	}
	for n := MinPasswordRunes; n <= len(letters); n++ {
		out = append(out, letters[:n], reverse(letters)[:n])
	}
	for _, w := range keyboardWalks {
		for n := MinPasswordRunes; n <= len(w); n++ {
			out = append(out, w[:n], reverse(w[:n]))
		}
	}
	for _, b := range repeatedBlocks {
		long := strings.Repeat(b, maxPatternLen/len(b)+1)
		lengths(func(n int) { out = append(out, long[:n]) })
	}
	// Stems with common endings and years: "matkhau123", "nguyen1995",
	// "Password@123", and doubled stems "anhyeuemanhyeuem".
	for _, s := range commonStems {
		out = append(out, s+s, s+s+"123")
		for _, e := range commonEndings {
			out = append(out, s+e)
		}
		for y := 1960; y <= time.Now().Year()+1; y++ {
			out = append(out, s+strconv.Itoa(y))
		}
	}
	return out
}

func reverse(s string) string {
	b := []byte(s) // the patterns are ASCII
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
