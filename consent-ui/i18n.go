package consentui

import (
	"net/http"
	"strings"
)

// Languages: Vietnamese first, English second.
const (
	langVI = "vi"
	langEN = "en"
)

// pickLang chooses the page language: ?lang= (or the posted form's), then
// ui_locales of the request (OIDC Core §3.1.2.1), then Accept-Language;
// Vietnamese by default.
func pickLang(r *http.Request, uiLocales string) string {
	// The citizen's own choice (the language link, or the form it came
	// from) beats what the relying party suggested.
	if l := normalizeLang(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if r.Method == http.MethodPost {
		if l := normalizeLang(r.PostFormValue("lang")); l != "" {
			return l
		}
	}
	for _, l := range strings.Fields(uiLocales) {
		if l := normalizeLang(l); l != "" {
			return l
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		if l := normalizeLang(tag); l != "" {
			return l
		}
	}
	return langVI
}

func normalizeLang(tag string) string {
	tag = strings.ToLower(tag)
	switch {
	case tag == "vi" || strings.HasPrefix(tag, "vi-"):
		return langVI
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return langEN
	}
	return ""
}

// messages holds every string a page shows, by language.
var messages = map[string]map[string]string{
	langVI: {
		"app":                          "Định danh điện tử",
		"login.title":                  "Đăng nhập",
		"login.lead":                   "Đăng nhập bằng tài khoản định danh điện tử để tiếp tục đến",
		"login.id_number":              "Số định danh cá nhân (12 chữ số)",
		"login.password":               "Mật khẩu",
		"login.submit":                 "Đăng nhập",
		"login.bad":                    "Số định danh hoặc mật khẩu không đúng.",
		"login.missing":                "Vui lòng nhập số định danh và mật khẩu.",
		"password.title":               "Đổi mật khẩu",
		"password.lead":                "Đây là lần đăng nhập đầu tiên. Vui lòng đặt mật khẩu mới thay cho mật khẩu đã gửi qua SMS.",
		"password.new":                 "Mật khẩu mới (ít nhất 10 ký tự)",
		"password.confirm":             "Nhập lại mật khẩu mới",
		"password.submit":              "Lưu mật khẩu và tiếp tục",
		"password.mismatch":            "Hai mật khẩu không khớp.",
		"consent.title":                "Chia sẻ thông tin",
		"consent.lead":                 "muốn nhận các thông tin sau của bạn:",
		"consent.purpose":              "Mục đích",
		"consent.allow":                "Đồng ý chia sẻ",
		"consent.deny":                 "Từ chối",
		"consent.note":                 "Bạn có thể rút lại sự đồng ý bất cứ lúc nào trong trang tài khoản.",
		"error.title":                  "Không thể tiếp tục",
		"error.back":                   "Vui lòng quay lại trang dịch vụ và thử lại.",
		"err.invalid_client":           "Dịch vụ yêu cầu đăng nhập chưa được đăng ký với hệ thống định danh điện tử.",
		"err.invalid_request":          "Yêu cầu đăng nhập không hợp lệ: địa chỉ chuyển hướng hoặc tham số không đúng với đăng ký của dịch vụ.",
		"err.invalid_request_uri":      "Yêu cầu đăng nhập đã hết hạn, đã được dùng hoặc không thuộc về dịch vụ này. Hãy quay lại dịch vụ và thử lại.",
		"err.interaction_expired":      "Phiên đăng nhập đã hết hạn hoặc không tồn tại.",
		"err.csrf":                     "Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.",
		"err.not_found":                "Không tìm thấy trang.",
		"err.server_error":             "Hệ thống đang gặp sự cố. Vui lòng thử lại sau ít phút.",
		"err.generic":                  "Yêu cầu không hợp lệ.",
		"err.too_long":                 "Dữ liệu nhập quá dài.",
		"err.bad_utf8":                 "Dữ liệu nhập chứa ký tự không hợp lệ.",
		"otp.title":                    "Nhập mã xác thực",
		"otp.lead":                     "Dịch vụ yêu cầu xác thực hai lớp. Chúng tôi vừa gửi mã gồm 6 chữ số qua SMS đến số điện thoại đã đăng ký của bạn.",
		"otp.code":                     "Mã xác thực (6 chữ số)",
		"otp.submit":                   "Xác nhận",
		"otp.resend":                   "Gửi lại mã",
		"otp.resent":                   "Đã gửi mã mới.",
		"logout.title":                 "Đăng xuất",
		"logout.asks":                  "đề nghị đăng xuất bạn khỏi tài khoản định danh điện tử. Bạn có muốn đăng xuất không?",
		"logout.question":              "Bạn có muốn đăng xuất khỏi tài khoản định danh điện tử không?",
		"logout.yes":                   "Đăng xuất",
		"logout.no":                    "Ở lại đăng nhập",
		"logout.done":                  "Đã đăng xuất",
		"logout.done_lead":             "Bạn đã đăng xuất khỏi tài khoản định danh điện tử. Bạn có thể đóng trang này.",
		"account.sessions":             "Phiên đăng nhập đang hoạt động",
		"account.level":                "mức",
		"account.this_device":          "thiết bị này",
		"account.end_session":          "Kết thúc",
		"account.totp":                 "Ứng dụng xác thực",
		"account.totp_on":              "Đã bật: khi dịch vụ yêu cầu xác thực hai lớp, bạn có thể dùng mã từ ứng dụng thay cho SMS.",
		"account.totp_off":             "Chưa cài đặt. Ứng dụng xác thực (như Google Authenticator) tạo mã 6 chữ số không cần sóng điện thoại.",
		"account.totp_setup":           "Cài đặt ứng dụng xác thực",
		"account.totp_scan":            "Quét mã QR bằng ứng dụng xác thực, rồi nhập mã 6 chữ số ứng dụng hiển thị.",
		"account.totp_qr_alt":          "Mã QR để thêm tài khoản vào ứng dụng xác thực",
		"account.totp_done":            "Đã bật ứng dụng xác thực.",
		"account.recovery_title":       "Mã khôi phục",
		"account.recovery_lead":        "Hãy ghi lại các mã này và cất giữ an toàn. Mỗi mã dùng được một lần khi bạn mất điện thoại. Các mã chỉ hiển thị lần này.",
		"account.current_password":     "Mật khẩu hiện tại",
		"account.change_password":      "Đổi mật khẩu",
		"account.wrong_current":        "Mật khẩu hiện tại không đúng.",
		"account.password_done":        "Đã đổi mật khẩu.",
		"otp.totp_lead":                "Nhập mã 6 chữ số từ ứng dụng xác thực của bạn.",
		"otp.use_sms":                  "Gửi mã qua SMS thay thế",
		"account.totp_manual":          "Không quét được? Nhập khóa này vào ứng dụng:",
		"reset.title":                  "Đặt lại mật khẩu",
		"reset.lead":                   "Nhập số định danh cá nhân. Chúng tôi sẽ gửi mã xác thực qua SMS đến số điện thoại đã đăng ký.",
		"reset.send":                   "Gửi mã",
		"reset.sent":                   "Nếu số định danh có tài khoản và số điện thoại đã đăng ký, mã xác thực vừa được gửi qua SMS.",
		"reset.submit":                 "Đặt mật khẩu mới",
		"reset.done":                   "Đã đặt mật khẩu mới. Vui lòng đăng nhập.",
		"login.forgot":                 "Quên mật khẩu?",
		"login.with_otp":               "Đăng nhập bằng mã SMS (không cần mật khẩu)",
		"account.need_password":        "Vui lòng đăng nhập lại bằng mật khẩu và mã SMS trước khi thay đổi phương thức xác thực.",
		"account.log":                  "Nhật ký chia sẻ dữ liệu",
		"account.log_all":              "Xem tất cả dịch vụ",
		"account.log_when":             "Thời điểm (UTC)",
		"account.log_service":          "Dịch vụ",
		"account.log_data":             "Dữ liệu đã chia sẻ",
		"account.log_empty":            "Chưa có dữ liệu nào được chia sẻ.",
		"account.services":             "Dịch vụ đã kết nối",
		"account.since":                "từ",
		"account.withdraw":             "Rút lại đồng ý",
		"account.no_services":          "Chưa có dịch vụ nào được bạn đồng ý chia sẻ dữ liệu.",
		"consent.share_heading":        "Thông tin sẽ được chia sẻ",
		"consent.sensitive_heading":    "Dữ liệu cá nhân nhạy cảm",
		"consent.sensitive_warning":    "Đây là dữ liệu cá nhân nhạy cảm theo Nghị định 13/2023/NĐ-CP. Dữ liệu chỉ được chia sẻ nếu bạn tự đánh dấu chọn từng mục bên dưới.",
		"consent.granted_heading":      "Bạn đã đồng ý chia sẻ trước đây",
		"consent.withheld_heading":     "Sẽ không được chia sẻ",
		"consent.needs_level2_account": "— chỉ chia sẻ với tài khoản định danh mức 2 (cấp trực tiếp tại cơ quan công an).",
		"consent.needs_level2_login":   "— cần đăng nhập bằng mật khẩu và mã xác thực (mức 2).",
		"consent.no_data":              "(chưa có dữ liệu)",
		"consent.verified":             "đã xác minh",
		"consent.essential":            "dịch vụ cho biết là cần thiết",
		"consent.required":             "bắt buộc",
		"consent.logo_alt":             "Biểu trưng của",
		"value.yes":                    "Có",
		"value.no":                     "Không",
		"value.male":                   "Nam",
		"value.female":                 "Nữ",
		"value.level1":                 "Mức 1 (tự đăng ký, xác thực bằng chip thẻ căn cước và ảnh khuôn mặt)",
		"value.level2":                 "Mức 2 (cấp trực tiếp tại cơ quan công an)",
		"value.marital.single":         "Chưa kết hôn",
		"value.marital.married":        "Đã kết hôn",
		"value.marital.divorced":       "Đã ly hôn",
		"value.marital.widowed":        "Góa",
		"value.classes":                "hạng",
		"value.since":                  "từ",
		"value.until":                  "đến",
		"consent.declined_before":      "— bạn đã chọn không chia sẻ trước đây (muốn thay đổi, xem trang tài khoản).",
		"record.title":                 "Thông tin cá nhân của tôi",
		"record.lead":                  "Dữ liệu đang được lưu về bạn (chỉ xem). Nếu có sai sót, hãy liên hệ cơ quan công an nơi cư trú.",
		"record.level":                 "Mức tài khoản",
		"record.source":                "Nguồn",
		"record.updated":               "cập nhật",
		"record.source_import":         "Danh sách của cơ quan đăng ký",
		"record.source_unknown":        "không rõ",
		"record.identity":              "Nhân thân",
		"record.contact":               "Liên lạc",
		"record.residence":             "Cư trú",
		"record.civil":                 "Hộ tịch, dân tộc, tôn giáo",
		"record.id_card":               "Thẻ căn cước",
		"record.driving_licence":       "Giấy phép lái xe",
		"record.vehicles":              "Đăng ký xe",
		"record.health_insurance":      "Bảo hiểm y tế",
		"record.social_insurance":      "Bảo hiểm xã hội",
		"account.withdrawn":            "Đã rút lại sự đồng ý: mã truy cập của dịch vụ không còn dùng được, dịch vụ sẽ phải hỏi lại bạn.",
		"account.level_col":            "Mức",
		"account.title":                "Tài khoản của tôi",
		"account.lead":                 "Bạn đang đăng nhập.",
		"lang.other":                   "English",
		"lang.other_code":              "en",
	},
	langEN: {
		"app":                          "Electronic identity",
		"login.title":                  "Log in",
		"login.lead":                   "Log in with your electronic-identity account to continue to",
		"login.id_number":              "Personal identification number (12 digits)",
		"login.password":               "Password",
		"login.submit":                 "Log in",
		"login.bad":                    "Wrong identification number or password.",
		"login.missing":                "Please enter your identification number and password.",
		"password.title":               "Change your password",
		"password.lead":                "This is your first login. Please choose a new password to replace the one sent by SMS.",
		"password.new":                 "New password (at least 10 characters)",
		"password.confirm":             "Repeat the new password",
		"password.submit":              "Save password and continue",
		"password.mismatch":            "The two passwords differ.",
		"consent.title":                "Share your data",
		"consent.lead":                 "asks for the following data about you:",
		"consent.purpose":              "Purpose",
		"consent.allow":                "Allow",
		"consent.deny":                 "Deny",
		"consent.note":                 "You can withdraw your consent at any time from your account page.",
		"error.title":                  "Cannot continue",
		"error.back":                   "Please go back to the service and try again.",
		"err.invalid_client":           "The service that sent you here is not registered with the electronic-identity system.",
		"err.invalid_request":          "The login request is invalid: its redirect address or parameters do not match the service's registration.",
		"err.invalid_request_uri":      "This login request has expired, was already used or belongs to another service. Go back to the service and try again.",
		"err.interaction_expired":      "This login has expired or does not exist.",
		"err.csrf":                     "The form has expired. Please reload the page and try again.",
		"err.not_found":                "Page not found.",
		"err.server_error":             "The system is having trouble. Please try again in a few minutes.",
		"err.generic":                  "The request is invalid.",
		"err.too_long":                 "The input is too long.",
		"err.bad_utf8":                 "The input contains invalid characters.",
		"otp.title":                    "Enter your code",
		"otp.lead":                     "This service requires two-step verification. We have just sent a 6-digit code by SMS to your registered phone number.",
		"otp.code":                     "Code (6 digits)",
		"otp.submit":                   "Confirm",
		"otp.resend":                   "Send a new code",
		"otp.resent":                   "A new code was sent.",
		"logout.title":                 "Log out",
		"logout.asks":                  "asks to log you out of your electronic-identity account. Do you want to log out?",
		"logout.question":              "Do you want to log out of your electronic-identity account?",
		"logout.yes":                   "Log out",
		"logout.no":                    "Stay logged in",
		"logout.done":                  "Logged out",
		"logout.done_lead":             "You have logged out of your electronic-identity account. You can close this page.",
		"account.sessions":             "Active sessions",
		"account.level":                "level",
		"account.this_device":          "this device",
		"account.end_session":          "End",
		"account.totp":                 "Authenticator app",
		"account.totp_on":              "On: when a service asks for two-step verification you can use the app's code instead of an SMS.",
		"account.totp_off":             "Not set up. An authenticator app (such as Google Authenticator) makes 6-digit codes without phone signal.",
		"account.totp_setup":           "Set up an authenticator app",
		"account.totp_scan":            "Scan the QR code with your authenticator app, then enter the 6-digit code it shows.",
		"account.totp_qr_alt":          "QR code that adds this account to an authenticator app",
		"account.totp_done":            "The authenticator app is on.",
		"account.recovery_title":       "Recovery codes",
		"account.recovery_lead":        "Write these codes down and keep them safe. Each works once if you lose your phone. They are shown only now.",
		"account.current_password":     "Current password",
		"account.change_password":      "Change password",
		"account.wrong_current":        "The current password is wrong.",
		"account.password_done":        "Your password was changed.",
		"otp.totp_lead":                "Enter the 6-digit code from your authenticator app.",
		"otp.use_sms":                  "Send me an SMS code instead",
		"account.totp_manual":          "Cannot scan? Type this key into the app:",
		"reset.title":                  "Reset your password",
		"reset.lead":                   "Enter your personal identification number. We will send a code by SMS to your registered phone number.",
		"reset.send":                   "Send the code",
		"reset.sent":                   "If this number has an account with a registered phone, a code was just sent by SMS.",
		"reset.submit":                 "Set the new password",
		"reset.done":                   "Your new password is set. Please log in.",
		"login.forgot":                 "Forgot your password?",
		"login.with_otp":               "Log in with an SMS code (no password)",
		"account.need_password":        "Please log in again with your password and an SMS code before changing how you verify.",
		"account.log":                  "Disclosure log",
		"account.log_all":              "Show every service",
		"account.log_when":             "Time (UTC)",
		"account.log_service":          "Service",
		"account.log_data":             "Data shared",
		"account.log_empty":            "No data has been shared yet.",
		"account.services":             "Connected services",
		"account.since":                "since",
		"account.withdraw":             "Withdraw consent",
		"account.no_services":          "No service holds your consent.",
		"consent.share_heading":        "Data to be shared",
		"consent.sensitive_heading":    "Sensitive personal data",
		"consent.sensitive_warning":    "This is sensitive personal data under Decree 13/2023/ND-CP. It is shared only if you tick each item below yourself.",
		"consent.granted_heading":      "You agreed to share earlier",
		"consent.withheld_heading":     "Will not be shared",
		"consent.needs_level2_account": "— shared only from a level-2 e-ID account (issued in person by the police).",
		"consent.needs_level2_login":   "— needs a login with password and code (level 2).",
		"consent.no_data":              "(no data held)",
		"consent.verified":             "verified",
		"consent.essential":            "the service says it needs this",
		"consent.required":             "required",
		"consent.logo_alt":             "Logo of",
		"value.yes":                    "Yes",
		"value.no":                     "No",
		"value.male":                   "Male",
		"value.female":                 "Female",
		"value.level1":                 "Level 1 (self-registered, checked with the ID card chip and a face photo)",
		"value.level2":                 "Level 2 (issued in person by the police)",
		"value.marital.single":         "Single",
		"value.marital.married":        "Married",
		"value.marital.divorced":       "Divorced",
		"value.marital.widowed":        "Widowed",
		"value.classes":                "classes",
		"value.since":                  "since",
		"value.until":                  "until",
		"consent.declined_before":      "— you chose not to share this earlier (to change it, see your account page).",
		"record.title":                 "My personal data",
		"record.lead":                  "The data held about you (read-only). If something is wrong, contact the police office where you live.",
		"record.level":                 "Account level",
		"record.source":                "Source",
		"record.updated":               "updated",
		"record.source_import":         "Registrar's list",
		"record.source_unknown":        "unknown",
		"record.identity":              "Identity",
		"record.contact":               "Contact",
		"record.residence":             "Residence",
		"record.civil":                 "Civil status, ethnicity, religion",
		"record.id_card":               "Identity card",
		"record.driving_licence":       "Driving licence",
		"record.vehicles":              "Vehicle registrations",
		"record.health_insurance":      "Health insurance",
		"record.social_insurance":      "Social insurance",
		"account.withdrawn":            "Consent withdrawn: the service's tokens no longer work, and it will have to ask you again.",
		"account.level_col":            "Level",
		"account.title":                "My account",
		"account.lead":                 "You are logged in.",
		"lang.other":                   "Tiếng Việt",
		"lang.other_code":              "vi",
	},
}

// T returns the message for key in lang.
func T(lang, key string) string {
	if m, ok := messages[lang][key]; ok {
		return m
	}
	if m, ok := messages[langVI][key]; ok {
		return m
	}
	return key
}
