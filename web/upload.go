package web

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"duban/store"
)

// allowedTypes are the files a unit may upload, by extension, each with
// the content it must have and the type it is stored and served with.
var allowedTypes = map[string]struct {
	content     string // what the bytes must be: pdf, png, jpeg, gif, webp, ole, zip, docx, xlsx
	contentType string
}{
	".pdf":  {"pdf", "application/pdf"},
	".png":  {"png", "image/png"},
	".jpg":  {"jpeg", "image/jpeg"},
	".jpeg": {"jpeg", "image/jpeg"},
	".gif":  {"gif", "image/gif"},
	".webp": {"webp", "image/webp"},
	".doc":  {"ole", "application/msword"},
	".wps":  {"ole", "application/vnd.ms-works"}, // WPS 文字
	".xls":  {"ole", "application/vnd.ms-excel"},
	".et":   {"ole", "application/vnd.ms-excel"}, // WPS 表格
	".docx": {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	".xlsx": {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	".zip":  {"zip", "application/zip"},
}

// acceptAttr is the file inputs' accept attribute.
const acceptAttr = ".pdf,.png,.jpg,.jpeg,.gif,.webp,.doc,.docx,.wps,.xls,.xlsx,.et,.zip"

// allowedText names the allowed files for the unit's messages.
const allowedText = "PDF、图片（PNG、JPG、GIF、WebP）、Word/WPS 文档、Excel/WPS 表格、ZIP 压缩包"

// uploadError is a refusal the unit reads; nothing of its request is stored.
type uploadError struct {
	status int
	msg    string
}

func (e *uploadError) Error() string { return e.msg }

func refuse(status int, format string, args ...any) error {
	return &uploadError{status: status, msg: fmt.Sprintf(format, args...)}
}

// contentOf tells what data is from its first bytes (http.DetectContentType
// for images, the magic numbers of PDF, OLE compound files and ZIP), and
// for a ZIP whether it is a Word or Excel document by its directory, which
// is read, never unpacked.
func contentOf(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "ole"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return zipContent(data)
	}
	switch http.DetectContentType(data) {
	case "image/png":
		return "png"
	case "image/jpeg":
		return "jpeg"
	case "image/gif":
		return "gif"
	case "image/webp":
		return "webp"
	}
	return ""
}

// zipContent tells an OOXML document from a plain ZIP by the parts its
// directory lists; a ZIP whose directory does not read is no ZIP.
func zipContent(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	for _, f := range zr.File {
		switch f.Name {
		case "word/document.xml":
			return "docx"
		case "xl/workbook.xml":
			return "xlsx"
		}
	}
	return "zip"
}

// checkUpload returns the stored form of a file named name: its sanitised
// name and the type its extension promises, once its content is that.
func checkUpload(name string, data []byte) (store.Upload, error) {
	name = sanitizeName(name)
	ext := strings.ToLower(path.Ext(name))
	want, ok := allowedTypes[ext]
	if !ok {
		return store.Upload{}, refuse(http.StatusUnsupportedMediaType, "文件“%s”的类型不在允许之列，只能上传%s。", name, allowedText)
	}
	if len(data) == 0 {
		return store.Upload{}, refuse(http.StatusBadRequest, "文件“%s”是空文件。", name)
	}
	got := contentOf(data)
	// A .zip may be any ZIP, an Office document included; the others must
	// be what their extension says.
	if got != want.content && !(want.content == "zip" && (got == "docx" || got == "xlsx")) {
		return store.Upload{}, refuse(http.StatusUnsupportedMediaType, "文件“%s”的内容与其扩展名不符，未予接收。只能上传%s。", name, allowedText)
	}
	return store.Upload{Name: name, ContentType: want.contentType, Data: data}, nil
}

// maxNameRunes bounds a stored file name.
const maxNameRunes = 100

// sanitizeName keeps the last element of a file name as a browser sent it
// (some send the whole path), without control characters or characters
// that file systems refuse, at most maxNameRunes long with its extension.
func sanitizeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(strings.TrimSpace(name), ".")
	ext := path.Ext(name)
	if utf8.RuneCountInString(ext) > 10 {
		ext = ""
	}
	base := strings.TrimSuffix(name, ext)
	if r := []rune(base); len(r) > maxNameRunes-len([]rune(ext)) {
		base = string(r[:maxNameRunes-len([]rune(ext))])
	}
	if base == "" {
		base = "文件"
	}
	return base + ext
}

// linkForm is a link page's form as posted: its fields and its files.
type linkForm struct {
	fields map[string]string
	files  []store.Upload
}

// maxFieldBytes bounds a text field of a link's form.
const maxFieldBytes = 32 << 10

// readLinkForm reads a multipart form of a link's page, part by part: the
// form token must come first and be the link's (the page puts it first),
// so that nothing of a forged request is read further; each file is held
// to maxFile bytes and checked from its content. Nothing is stored here.
func (s *Server) readLinkForm(r *http.Request, l unitLink, maxFile int64) (linkForm, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return linkForm{}, refuse(http.StatusUnsupportedMediaType, "不支持的提交格式。")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return linkForm{}, refuse(http.StatusBadRequest, "提交的内容无法识别。")
	}
	f := linkForm{fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return linkForm{}, readError(err)
		}
		if err := s.readPart(part, l, maxFile, &f); err != nil {
			return linkForm{}, err
		}
	}
	if _, ok := f.fields["form"]; !ok {
		return linkForm{}, refuse(http.StatusForbidden, msgStaleForm)
	}
	return f, nil
}

func (s *Server) readPart(part *multipart.Part, l unitLink, maxFile int64, f *linkForm) error {
	defer part.Close()
	name := part.FormName()
	if _, ok := f.fields["form"]; !ok {
		if name != "form" {
			return refuse(http.StatusForbidden, msgStaleForm)
		}
		b, err := io.ReadAll(io.LimitReader(part, 256))
		if err != nil {
			return readError(err)
		}
		if !s.signer.CheckForm(l.Token, string(b)) {
			return refuse(http.StatusForbidden, msgStaleForm)
		}
		f.fields["form"] = string(b)
		return nil
	}
	if part.FileName() == "" && name != "files" {
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return readError(err)
		}
		if len(b) > maxFieldBytes {
			return refuse(http.StatusRequestEntityTooLarge, "填写的内容过长。")
		}
		f.fields[name] = strings.TrimSpace(string(b))
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(part, maxFile+1))
	if err != nil {
		return readError(err)
	}
	if part.FileName() == "" && len(data) == 0 {
		return nil // a file input left empty
	}
	if int64(len(data)) > maxFile {
		return refuse(http.StatusRequestEntityTooLarge, "文件“%s”超过 %d MB 的上限，未予接收。", sanitizeName(part.FileName()), maxFile>>20)
	}
	if len(f.files) == maxFilesPerRequest {
		return refuse(http.StatusRequestEntityTooLarge, "一次最多上传 %d 个文件。", maxFilesPerRequest)
	}
	up, err := checkUpload(part.FileName(), data)
	if err != nil {
		return err
	}
	f.files = append(f.files, up)
	return nil
}

// readError is a body that could not be read: too large, or broken off.
func readError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return refuse(http.StatusRequestEntityTooLarge, "提交的内容过大，未予接收。")
	}
	return refuse(http.StatusBadRequest, "提交的内容不完整，请重试。")
}
