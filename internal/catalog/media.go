package catalog

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/fanmail/fanmail"
)

// Upload is an image file as received from a form or a program.
type Upload struct {
	Filename string    // the name on the sender's machine; informational only
	Content  io.Reader // the bytes
	Size     int64     // declared size, or -1 when unknown
}

var (
	errNotImage = fanmail.FieldError("images", "Only JPEG, PNG, GIF and WebP images can be uploaded.")
	errTooLarge = &fanmail.Error{Code: fanmail.ETOOLARGE, Field: "images", Message: "The upload is too large."}
	errNoMedia  = fanmail.Errorf(fanmail.ENOTFOUND, "Page not found.")
)

// mediaPathPattern matches the only paths the media store creates, so a
// request can never name anything else (no "..", no directories).
var mediaPathPattern = regexp.MustCompile(`^products/[a-z0-9]{16,64}\.(jpg|png|gif|webp)$`)

// sniffImage recognises the image formats fanmail accepts by their magic
// bytes, returning the content type and file extension, or "" when the bytes
// are anything else. The file name is never trusted.
func sniffImage(head []byte) (contentType, ext string) {
	switch {
	case bytes.HasPrefix(head, []byte("\xFF\xD8\xFF")):
		return "image/jpeg", ".jpg"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", ".png"
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "image/gif", ".gif"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return "image/webp", ".webp"
	}
	return "", ""
}

// openRoot opens the media directory (creating it and its products folder)
// as an os.Root, which refuses any path escaping it.
func (s *Service) openRoot() (*os.Root, error) {
	if err := os.MkdirAll(filepath.Join(s.mediaDir, "products"), 0o755); err != nil {
		return nil, fmt.Errorf("media dir: %w", err)
	}
	root, err := os.OpenRoot(s.mediaDir)
	if err != nil {
		return nil, fmt.Errorf("media dir: %w", err)
	}
	return root, nil
}

// saveImage checks u's type and size and writes it under a random name. On
// any failure nothing is left on disk.
func (s *Service) saveImage(u Upload, alt string) (fanmail.ProductImage, error) {
	if u.Size > s.maxImageBytes {
		return fanmail.ProductImage{}, errTooLarge
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(u.Content, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fanmail.ProductImage{}, fmt.Errorf("read upload: %w", err)
	}
	head = head[:n]
	contentType, ext := sniffImage(head)
	if contentType == "" {
		return fanmail.ProductImage{}, errNotImage
	}
	root, err := s.openRoot()
	if err != nil {
		return fanmail.ProductImage{}, err
	}
	defer root.Close()
	path := "products/" + strings.ToLower(rand.Text()) + ext
	f, err := root.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fanmail.ProductImage{}, fmt.Errorf("create media file: %w", err)
	}
	// Read at most one byte past the limit to tell "exactly the limit" from "over".
	size, err := io.Copy(f, io.LimitReader(io.MultiReader(bytes.NewReader(head), u.Content), s.maxImageBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && size > s.maxImageBytes {
		err = errTooLarge
	}
	if err != nil {
		root.Remove(path)
		if err == errTooLarge {
			return fanmail.ProductImage{}, err
		}
		return fanmail.ProductImage{}, fmt.Errorf("write media file: %w", err)
	}
	return fanmail.ProductImage{Path: path, ContentType: contentType, Size: size, Alt: alt}, nil
}

// removeImageFiles deletes the files of imgs, logging failures: the rows are
// gone or were never written, so a left-over file is only wasted space.
func (s *Service) removeImageFiles(imgs []fanmail.ProductImage) {
	if len(imgs) == 0 {
		return
	}
	root, err := os.OpenRoot(s.mediaDir)
	if err != nil {
		s.logger.Warn("remove media files", "err", err)
		return
	}
	defer root.Close()
	for _, img := range imgs {
		if err := root.Remove(img.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.logger.Warn("remove media file", "path", img.Path, "err", err)
		}
	}
}

// AddImage stores an uploaded image of the product with id productID after
// its other images. ENOTFOUND when there is no such product; EINVALID (field
// "images") when the content is not a JPEG, PNG, GIF or WebP image whatever
// filename says; ETOOLARGE over the size limit. Nothing is stored on failure.
func (s *Service) AddImage(ctx context.Context, productID int64, filename string, r io.Reader, size int64) (fanmail.ProductImage, error) {
	imgs, err := s.AddImages(ctx, productID, Upload{Filename: filename, Content: r, Size: size})
	if err != nil {
		return fanmail.ProductImage{}, err
	}
	return imgs[0], nil
}

// AddImages is AddImage for several uploads at once: all are stored, or none.
func (s *Service) AddImages(ctx context.Context, productID int64, uploads ...Upload) ([]fanmail.ProductImage, error) {
	p, err := s.db.ProductByID(ctx, productID, false)
	if err != nil {
		return nil, err
	}
	if len(uploads) == 0 {
		return nil, fanmail.FieldError("images", "Choose at least one image.")
	}
	var imgs []fanmail.ProductImage
	for _, u := range uploads {
		img, err := s.saveImage(u, p.Name)
		if err != nil {
			s.removeImageFiles(imgs)
			return nil, err
		}
		img.ProductID = productID
		imgs = append(imgs, img)
	}
	saved, err := s.db.CreateProductImages(ctx, imgs)
	if err != nil {
		s.removeImageFiles(imgs)
		return nil, err
	}
	s.logger.Debug("product images added", "product_id", productID, "images", len(saved))
	return saved, nil
}

// DeleteImage removes the image with id and its file and returns what was
// removed, or ENOTFOUND.
func (s *Service) DeleteImage(ctx context.Context, id int64) (fanmail.ProductImage, error) {
	img, err := s.db.DeleteProductImage(ctx, id)
	if err != nil {
		return img, err
	}
	s.removeImageFiles([]fanmail.ProductImage{img})
	s.logger.Debug("product image deleted", "product_id", img.ProductID, "image_id", id)
	return img, nil
}

// OpenMedia opens the stored file at path (a ProductImage.Path) for reading,
// whatever the product's publication; the caller closes it. ENOTFOUND for any
// path the media store did not create or that is gone.
func (s *Service) OpenMedia(path string) (io.ReadSeekCloser, fs.FileInfo, error) {
	if !mediaPathPattern.MatchString(path) {
		return nil, nil, errNoMedia
	}
	root, err := os.OpenRoot(s.mediaDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, errNoMedia
	}
	if err != nil {
		return nil, nil, fmt.Errorf("media dir: %w", err)
	}
	defer root.Close()
	f, err := root.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, errNoMedia
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open media: %w", err)
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, errNoMedia
	}
	return f, info, nil
}

// OpenPublicMedia is OpenMedia for the public site: the path must belong to an
// image of a published product of a published brand in a published group,
// else ENOTFOUND.
func (s *Service) OpenPublicMedia(ctx context.Context, path string) (io.ReadSeekCloser, fs.FileInfo, error) {
	if !mediaPathPattern.MatchString(path) {
		return nil, nil, errNoMedia
	}
	if _, err := s.db.ProductImageByPath(ctx, path, true); err != nil {
		if fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
			return nil, nil, errNoMedia
		}
		return nil, nil, err
	}
	return s.OpenMedia(path)
}
