package console

import (
	"io"
	"mime"
	"net/http"
	"strconv"

	"partnercenter/internal/auth"
	"partnercenter/internal/upload"
)

// Downloads of uploaded files (/console/files/{id}): a partner user gets its
// own partner's files, provider staff any partner's; another partner's file
// answers not found, exactly like a missing one. Pages link here with
// fileHref.

const filesPath = "/console/files"

// fileHref is where an uploaded file downloads.
func fileHref(id string) string { return filesPath + "/" + id }

// downloadFile streams a file as an attachment: never shown inline, so an
// uploaded document cannot run as a page of the console, and with the name
// in both the plain and the RFC 5987 form.
func (h *handler) downloadFile(c *call) error {
	ctx := c.r.Context()
	files, err := h.uploadStore(ctx)
	if err != nil {
		return err
	}
	owner := c.p.PartnerID
	if c.p.Kind == auth.KindStaff {
		owner = "" // provider staff see every partner's files
	} else if owner == "" {
		return upload.ErrNotFound
	}
	f, body, err := files.Open(ctx, owner, c.r.PathValue("id"))
	if err != nil {
		return err
	}
	defer body.Close()
	hdr := c.w.Header()
	hdr.Set("Content-Type", f.ContentType)
	hdr.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	hdr.Set("Content-Disposition", contentDisposition(f.Name))
	hdr.Set("Cache-Control", "private, no-store")
	c.w.WriteHeader(http.StatusOK)
	_, err = io.Copy(c.w, body)
	if err != nil {
		c.h.app.Log.Warn("console: file download interrupted", "file", f.ID, "err", err)
	}
	return nil
}

// contentDisposition names an attachment; mime.FormatMediaType writes a
// non-ASCII name as filename*=utf-8”..., which every current browser reads,
// and quotes the rest, so a name cannot add header parameters.
func contentDisposition(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}
