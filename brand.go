package fanmail

import "time"

// Shelves of a brand's products (seed 000 fig. 2).
const (
	ShelfNew      = "new"
	ShelfPrevious = "previous"
	ShelfSale     = "sale"
)

// Shelves lists the shelves in display order.
var Shelves = []string{ShelfNew, ShelfPrevious, ShelfSale}

// IsShelf reports whether s is a known shelf.
func IsShelf(s string) bool { return s == ShelfNew || s == ShelfPrevious || s == ShelfSale }

// BrandGroup groups brands by style: casual, formal, sports.
type BrandGroup struct {
	ID        int64
	Slug      string
	NameKo    string
	NameEn    string
	Position  int
	Published bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Brand belongs to one group and carries products.
type Brand struct {
	ID            int64
	GroupID       int64
	Slug          string
	Name          string // brand names are proper nouns, one spelling
	DescriptionKo string
	DescriptionEn string
	Position      int
	Published     bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Product is one item of a brand's promotional material.
type Product struct {
	ID            int64
	BrandID       int64
	Code          string
	Name          string
	Shelf         string
	Price         int64 // in won
	AgeMin        int   // target age band, 0 if none
	AgeMax        int
	StylingAdvice string // "coordination" advice
	Accessories   string // matching accessories
	Description   string
	Position      int
	Published     bool
	Images        []ProductImage
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ProductImage is an uploaded picture of a product, stored by the media store.
type ProductImage struct {
	ID          int64
	ProductID   int64
	Path        string // key in the media store
	ContentType string
	Size        int64
	Alt         string
	Position    int
	CreatedAt   time.Time
}

// BrandPreference is a member's favourite brand.
type BrandPreference struct {
	MemberID  int64
	BrandID   int64
	CreatedAt time.Time
}

// BrandPreferenceCount is how many members of a gender and age band chose a
// brand (seed 000 fig. 4).
type BrandPreferenceCount struct {
	BrandID int64
	Gender  string
	AgeBand string
	Count   int64
}
