package catalog

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
)

// Material is a product's promotional material as visitors download it
// (seed 000: "확인 및 다운로드"): a UTF-8 Korean text sheet of its fields and its
// images, in one ZIP file.
type Material struct {
	Product fanmail.Product
	Brand   fanmail.Brand
	Group   fanmail.BrandGroup
	s       *Service
}

// Material loads the material of the product with id, or ENOTFOUND (also when
// publishedOnly and the product is not visible on the public site).
func (s *Service) Material(ctx context.Context, id int64, publishedOnly bool) (*Material, error) {
	p, err := s.db.ProductByID(ctx, id, publishedOnly)
	if err != nil {
		return nil, err
	}
	b, err := s.db.BrandByID(ctx, p.BrandID, publishedOnly)
	if err != nil {
		return nil, err
	}
	g, err := s.db.BrandGroupByID(ctx, b.GroupID, publishedOnly)
	if err != nil {
		return nil, err
	}
	return &Material{Product: p, Brand: b, Group: g, s: s}, nil
}

// Filename is the suggested name of the ZIP file.
func (m *Material) Filename() string { return m.Product.Code + "-material.zip" }

// imageName is the name of the i-th image (0-based) inside the ZIP file.
func (m *Material) imageName(i int) string {
	return fmt.Sprintf("%s-%d%s", m.Product.Code, i+1, path.Ext(m.Product.Images[i].Path))
}

// shelfKo names shelves in Korean for the sheet.
var shelfKo = map[string]string{
	fanmail.ShelfNew:      "신상품",
	fanmail.ShelfPrevious: "이월 상품",
	fanmail.ShelfSale:     "세일 상품",
}

// Sheet returns the product's fields as a Korean text sheet.
func (m *Material) Sheet() string {
	p := m.Product
	var b strings.Builder
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, value)
		}
	}
	fmt.Fprintf(&b, "%s — %s\n\n", m.Brand.Name, p.Name)
	line("브랜드군", m.Group.NameKo)
	line("브랜드", m.Brand.Name)
	line("상품 코드", p.Code)
	line("상품명", p.Name)
	line("구분", shelfKo[p.Shelf])
	line("가격", FormatWon(p.Price))
	line("대상 연령", AgeRangeKo(p.AgeMin, p.AgeMax))
	line("코디 제안", p.StylingAdvice)
	line("어울리는 액세서리", p.Accessories)
	line("상품 설명", p.Description)
	var names []string
	for i := range p.Images {
		names = append(names, m.imageName(i))
	}
	line("이미지", strings.Join(names, ", "))
	return b.String()
}

// WriteZip writes the ZIP file: the sheet as CODE.txt, then each image as
// CODE-N.ext. An image whose file is missing is left out and logged.
func (m *Material) WriteZip(w io.Writer) error {
	zw := zip.NewWriter(w)
	modified := m.Product.UpdatedAt
	sheet, err := zw.CreateHeader(&zip.FileHeader{Name: m.Product.Code + ".txt", Method: zip.Deflate, Modified: modified})
	if err != nil {
		return fmt.Errorf("material zip: %w", err)
	}
	if _, err := io.WriteString(sheet, m.Sheet()); err != nil {
		return fmt.Errorf("material zip: %w", err)
	}
	for i, img := range m.Product.Images {
		if err := m.addImage(zw, m.imageName(i), img); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("material zip: %w", err)
	}
	return nil
}

func (m *Material) addImage(zw *zip.Writer, name string, img fanmail.ProductImage) error {
	f, _, err := m.s.OpenMedia(img.Path)
	if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		m.s.logger.Warn("material image missing", "product_id", m.Product.ID, "image_id", img.ID)
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	// Images are compressed already; storing them saves CPU for nothing lost.
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: m.Product.UpdatedAt})
	if err != nil {
		return fmt.Errorf("material zip: %w", err)
	}
	if _, err := io.Copy(zf, f); err != nil {
		return fmt.Errorf("material zip: %w", err)
	}
	return nil
}

// FormatWon formats an amount of won: 129000 → "129,000원".
func FormatWon(amount int64) string {
	s := strconv.FormatInt(amount, 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + "원"
}

// AgeRangeKo describes a target age band in Korean: "19~23세", "40세 이상",
// or "" when there is none.
func AgeRangeKo(lo, hi int) string {
	switch {
	case lo > 0 && hi > 0:
		return fmt.Sprintf("%d~%d세", lo, hi)
	case lo > 0:
		return fmt.Sprintf("%d세 이상", lo)
	case hi > 0:
		return fmt.Sprintf("%d세 이하", hi)
	}
	return ""
}
