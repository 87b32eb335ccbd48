package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/dinhdanh/dinhdanh/cmd/dinhdanh/app"
	"github.com/dinhdanh/dinhdanh/cmd/exam-portal/portal"
	"github.com/dinhdanh/dinhdanh/identity"
	"github.com/dinhdanh/dinhdanh/provider"
)

// Demo data: fictional citizens with well-formed numbers (DOMAIN.md).
// Nguyễn Văn An holds every part of a record (his account is level 2, so
// the integrated documents can be released); Lê Minh Khoa is a grade-12
// exam candidate with the civil and residence data the exam form asks for.
var demoCitizens = []identity.Citizen{
	{PIN: "001095012345", FullName: "Nguyễn Văn An", Birthdate: "1995-03-14", Gender: identity.Male, Phone: "+84912345678", Email: "an.nguyen@example.vn", PermanentAddress: "Số 12 phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội", ProvinceCode: "01",
		Details: identity.CitizenDetails{
			OldIDNumber:   "013456789",
			IDCard:        &identity.IDCard{Number: "001095012345", Issued: "2021-04-10", Expires: "2035-03-14", Authority: "Cục Cảnh sát quản lý hành chính về trật tự xã hội"},
			Nationalities: []string{"VN"},
			PlaceOfBirth:  &identity.PlaceOfBirth{Country: "VN", Region: "Hà Nội", Locality: "Quận Hoàn Kiếm"},
			Hometown:      &identity.Address{Formatted: "Xã Phù Đổng, huyện Gia Lâm, Hà Nội", ProvinceCode: "01"},
			MaritalStatus: "married",
			Ethnicity:     &identity.Coded{Code: "01", Label: "Kinh"},
			Religion:      &identity.Coded{Label: "Không"},
			DistrictCode:  "002", CommuneCode: "00079", ResidenceSince: "2016-08-01",
			CurrentResidence: &identity.Address{Formatted: "Số 8 ngõ 12 phố Láng Hạ, phường Láng Hạ, quận Đống Đa, Hà Nội",
				ProvinceCode: "01", DistrictCode: "006", CommuneCode: "00217", Since: "2022-06-01"},
			DrivingLicence: &identity.DrivingLicence{Number: "010195001234", Issuer: "Sở Giao thông vận tải Hà Nội", Classes: []identity.LicenceClass{
				{Class: "A1", Issued: "2013-05-20"},
				{Class: "B2", Issued: "2017-09-12", Expires: "2027-09-12"},
			}},
			Vehicles: []identity.Vehicle{
				{Plate: "30G-123.45", Type: "Ô tô con", Brand: "Toyota Vios", ChassisNo: "RL4B29F3XK5012345", RegDate: "2019-11-05"},
				{Plate: "29D1-234.56", Type: "Xe mô tô", Brand: "Honda Vision", ChassisNo: "RLHJF5800KY123456", RegDate: "2019-03-02"},
			},
			// DN: employee; 4: benefit level; 01: Hà Nội; then the
			// social-insurance number.
			HealthInsurance: &identity.HealthInsurance{CardNo: "DN4010123456789", BenefitLevel: "4", Province: "01",
				InitialFacility: "Bệnh viện Đa khoa Đống Đa", ValidFrom: "2026-01-01", ValidTo: "2026-12-31"},
			SocialInsuranceNo: "0123456789",
		}},
	{PIN: "079304123456", FullName: "Trần Thị Bích Ngọc", Birthdate: "2004-08-21", Gender: identity.Female, Phone: "+84903123456", Email: "ngoc.tran@example.vn", PermanentAddress: "45 Lê Lợi, phường Bến Thành, TP. Hồ Chí Minh", ProvinceCode: "79"},
	{PIN: "040207654321", FullName: "Lê Minh Khoa", Birthdate: "2007-05-02", Gender: identity.Male, Phone: "+84987654321", Email: "khoa.le@example.vn", PermanentAddress: "Xóm 3, xã Nghi Phong, Nghệ An", ProvinceCode: "40",
		Details: identity.CitizenDetails{
			Nationalities: []string{"VN"},
			PlaceOfBirth:  &identity.PlaceOfBirth{Country: "VN", Region: "Nghệ An", Locality: "Huyện Con Cuông"},
			Hometown:      &identity.Address{Formatted: "Xã Môn Sơn, huyện Con Cuông, Nghệ An", ProvinceCode: "40"},
			MaritalStatus: "single",
			Ethnicity:     &identity.Coded{Code: "03", Label: "Thái"},
			// Permanent residence since more than 18 months before the
			// exam (the priority-area rule).
			DistrictCode: "429", CommuneCode: "17962", ResidenceSince: "2019-08-15",
			// Boarding near his school in Vinh.
			CurrentResidence: &identity.Address{Formatted: "Số 15 ngõ 7 đường Lê Hồng Phong, phường Hưng Bình, TP. Vinh, Nghệ An",
				ProvinceCode: "40", DistrictCode: "412", CommuneCode: "16681", Since: "2022-08-20"},
		}},
	{PIN: "048188000777", FullName: "Phạm Thị Hoa", Birthdate: "1988-11-30", Gender: identity.Female, Phone: "+84935000777", Email: "hoa.pham@example.vn", PermanentAddress: "78 Bạch Đằng, phường Hải Châu, Đà Nẵng", ProvinceCode: "48"},
}

// demoPassword logs in every demo account except Lê Minh Khoa's, which
// shows the first-login password change.
const (
	demoPassword       = "matkhau-demo-2026"
	demoFirstLoginPIN  = "040207654321"
	demoPortalClientID = "exam-portal"
	// A fixed secret so the demo portal and provider agree without setup;
	// a real client gets a generated one from `clients create`.
	demoPortalSecret = "demo-exam-portal-secret-not-for-production-use-0001"
)

func demoCommand(g *globalFlags) *cobra.Command {
	var portalAddr, portalURL string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Serve the provider with demo citizens and the exam portal on :8081",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, c, err := openApp(ctx, g, true)
			if err != nil {
				return err
			}
			defer a.Close()
			if c.Listen == defaultConfig().Listen {
				// The demo shows sent passwords at /dev/sms: keep it on
				// this machine unless told otherwise.
				c.Listen = "127.0.0.1:8080"
			}
			if err := seedDemo(ctx, a, portalURL+"/callback"); err != nil {
				return fmt.Errorf("seeding demo data: %w", err)
			}
			p, err := portal.New(ctx, portal.Config{Issuer: c.Issuer, ClientID: demoPortalClientID, ClientSecret: demoPortalSecret, RedirectURL: portalURL + "/callback", Logger: newLogger()})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), `dinhdanh demo
  provider:    %s   (sent SMS: %s/dev/sms)
  exam portal: %s
  log in with ID number 001095012345 and password %s
  (040207654321 with the same password shows the first-login password change)
`, c.Issuer, c.Issuer, portalURL, demoPassword)
			eg, ctx := errgroup.WithContext(ctx)
			eg.Go(func() error { return serve(ctx, c.Listen, a.Handler(), a) })
			eg.Go(func() error { return serve(ctx, portalAddr, p, nil) })
			return eg.Wait()
		},
	}
	cmd.Flags().StringVar(&portalAddr, "portal-listen", "127.0.0.1:8081", "exam portal listen address")
	cmd.Flags().StringVar(&portalURL, "portal-url", "http://localhost:8081", "exam portal base URL")
	return cmd
}

// seedDemo is idempotent: it can run on every start.
func seedDemo(ctx context.Context, a *app.App, portalCallback string) error {
	now := time.Now()
	cits := make([]identity.Citizen, len(demoCitizens))
	copy(cits, demoCitizens)
	for i := range cits {
		cits[i].Source = "demo"
		cits[i].UpdatedAt = now
	}
	if _, _, _, err := a.Store.UpsertCitizens(ctx, cits); err != nil {
		return err
	}
	for _, c := range cits {
		acc, _, err := a.Auth.Issue(ctx, c.PIN, demoPassword, identity.Level2)
		if errors.Is(err, identity.ErrAlreadyExists) {
			continue
		}
		if err != nil {
			return err
		}
		if c.PIN != demoFirstLoginPIN {
			if err := a.Store.UpdatePassword(ctx, acc.ID, acc.PasswordHash, false, now); err != nil {
				return err
			}
		}
	}
	client, _, err := provider.BuildClient(provider.ClientSpec{
		ID:           demoPortalClientID,
		Name:         "Cổng đăng ký thi tốt nghiệp THPT (Bộ Giáo dục và Đào tạo)",
		RedirectURIs: []string{portalCallback},
		GrantTypes:   []string{"authorization_code", "refresh_token"},
		// What the exam form needs (DOMAIN.md); the portal asks for its
		// claims one by one through the claims parameter.
		Scopes:  []string{"openid", "profile", "vn_id", "vn_civil", "vn_ethnicity", "vn_residence", "phone", "email", "address", "offline_access"},
		Secret:  demoPortalSecret,
		Purpose: "Điền sẵn phiếu đăng ký dự thi tốt nghiệp THPT",
	}, a.Secrets.ClientSecrets, now)
	if err != nil {
		return err
	}
	if err := a.Store.CreateClient(ctx, client); err != nil && !errors.Is(err, identity.ErrAlreadyExists) {
		return err
	}
	if old, err := a.Store.GetIdentityClient(ctx, demoPortalClientID); err == nil && !slices.Equal(old.Scopes, client.Scopes) {
		// Seeding never rewrites an existing client.
		newLogger().Warn("the demo database holds an older exam-portal client; delete the database file to reseed it", "client", demoPortalClientID)
	}
	return nil
}

var _ http.Handler = (*portal.Portal)(nil)
