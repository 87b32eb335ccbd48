package identity

import (
	"fmt"
	"time"
)

// LocalizedError is an error that can be shown to a citizen or a registrar.
// Pages are Vietnamese first, English second (DESIGN.md §1), so every such
// error carries both texts; Code is stable and meant for programs and tests.
// Messages never contain the value that was rejected: errors end up in logs,
// and logs must not hold personal data (DESIGN.md §3, Logs).
type LocalizedError interface {
	error
	Code() string
	MessageVI() string
	MessageEN() string
}

// fieldError is a LocalizedError for one invalid input value.
type fieldError struct {
	code, en, vi string
}

func (e *fieldError) Error() string     { return e.en }
func (e *fieldError) Code() string      { return e.code }
func (e *fieldError) MessageEN() string { return e.en }
func (e *fieldError) MessageVI() string { return e.vi }

var _ LocalizedError = (*fieldError)(nil)

// Texts sent to citizens. SMS texts are unaccented: Vietnamese diacritics
// would force UCS-2 and halve what fits in one message. Every code says
// what it is for and that no one, not even an official, may be told it
// (phishing by phone is how SMS codes are stolen).

// CodeMessage is the SMS carrying a one-time code for purpose.
func CodeMessage(purpose, code string, lifetime time.Duration) string {
	what := "dang nhap"
	if purpose == OTPReset {
		what = "dat lai mat khau"
	}
	return fmt.Sprintf("Ma %s tai khoan dinh danh dien tu: %s (hieu luc %d phut). KHONG chia se ma nay cho bat ky ai, ke ca can bo. Neu ban khong yeu cau, hay bo qua tin nay.",
		what, code, int(lifetime/time.Minute))
}

// InitialPasswordMessage is the SMS carrying a generated first password.
func InitialPasswordMessage(password string, lifetime time.Duration) string {
	return fmt.Sprintf("Mat khau ban dau tai khoan dinh danh dien tu: %s. Hay dang nhap va doi mat khau trong %d ngay. KHONG chia se mat khau nay cho bat ky ai.",
		password, int(lifetime/(24*time.Hour)))
}

// Notice kinds: events the citizen is told about by SMS and e-mail.
const (
	NoticePasswordChanged  = "password_changed"
	NoticePasswordReset    = "password_reset"
	NoticeNewAuthenticator = "new_authenticator"
	NoticeNewConsent       = "new_consent"
	NoticeLevelChanged     = "level_changed"
)

// noticeText returns the SMS text and the e-mail subject for a notice;
// detail is a service name or a level, never personal data.
func noticeText(kind, detail string) (sms, subject string) {
	const tail = " Neu khong phai ban, hay dat lai mat khau va lien he can bo dang ky ngay."
	switch kind {
	case NoticePasswordChanged:
		return "Mat khau tai khoan dinh danh dien tu cua ban vua duoc doi; moi phien dang nhap khac da ket thuc." + tail, "Mật khẩu đã được đổi / Your password was changed"
	case NoticePasswordReset:
		return "Mat khau tai khoan dinh danh dien tu cua ban vua duoc dat lai bang ma SMS; moi phien va quyen truy cap cu da bi thu hoi." + tail, "Mật khẩu đã được đặt lại / Your password was reset"
	case NoticeNewAuthenticator:
		return "Mot ung dung xac thuc moi vua duoc dang ky cho tai khoan dinh danh dien tu cua ban." + tail, "Ứng dụng xác thực mới / New authenticator app"
	case NoticeNewConsent:
		return "Ban vua dong y chia se du lieu voi dich vu: " + unaccent(detail) + ". Xem va rut lai tai trang Tai khoan.", "Đồng ý chia sẻ dữ liệu mới / New consent to share data"
	case NoticeDeviceLogin:
		return "Ban vua cho phep dang nhap tren mot thiet bi khac vao dich vu: " + unaccent(detail) + "." + tail, "Đăng nhập trên thiết bị khác / Sign-in on another device"
	case NoticeLevelChanged:
		return "Muc tai khoan dinh danh dien tu cua ban vua duoc doi thanh muc " + detail + "." + tail, "Mức tài khoản đã thay đổi / Account level changed"
	}
	return "", ""
}

// NoticeDeviceLogin: the citizen approved a sign-in on another device
// (RFC 8628); detail is the service's name.
const NoticeDeviceLogin = "device_login"
