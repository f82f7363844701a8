package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"partnercenter/internal/partner"
	"partnercenter/internal/store"
	"partnercenter/internal/store/storetest"
)

// The signer reproduces the worked example of AWS's Signature Version 4
// documentation for S3 (GET Object with a Range header).
func TestS3SignatureMatchesTheDocumentedExample(t *testing.T) {
	s, err := NewS3(S3Config{Endpoint: "https://examplebucket.s3.amazonaws.com", Bucket: "examplebucket",
		AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	req.Header.Set("Range", "bytes=0-9")
	s.sign(req, emptySHA256, time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC))
	want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
		"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
		"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization\n got %s\nwant %s", got, want)
	}
}

// fakeS3 is an in-process bucket that answers PutObject, GetObject and
// DeleteObject path-style and refuses requests whose payload hash does not
// match the body or that carry no signature of the expected key.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte
	types   map[string]string
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AK/") {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	body, _ := io.ReadAll(r.Body)
	sum := sha256.Sum256(body)
	if r.Header.Get("X-Amz-Content-Sha256") != hex.EncodeToString(sum[:]) {
		http.Error(w, "XAmzContentSHA256Mismatch", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		f.objects[r.URL.Path] = body
		f.types[r.URL.Path] = r.Header.Get("Content-Type")
	case http.MethodGet:
		obj, ok := f.objects[r.URL.Path]
		if !ok {
			http.Error(w, "NoSuchKey", http.StatusNotFound)
			return
		}
		w.Write(obj)
	case http.MethodDelete:
		delete(f.objects, r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}
}

func TestS3PutGetDelete(t *testing.T) {
	fake := &fakeS3{objects: map[string][]byte{}, types: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s, err := NewS3(S3Config{Endpoint: srv.URL, Bucket: "files", AccessKey: "AK", SecretKey: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key := "0193a8b2-0000-7000-8000-000000000001"
	if err := s.Put(ctx, key, bytes.NewReader([]byte("%PDF-1.7 hello")), 14, PDF); err != nil {
		t.Fatal(err)
	}
	if got := fake.types["/files/"+key]; got != PDF {
		t.Errorf("stored with content type %q", got)
	}
	body, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(body)
	body.Close()
	if string(data) != "%PDF-1.7 hello" {
		t.Errorf("read back %q", data)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, key); !errors.Is(err, errNoBlob) {
		t.Errorf("deleted object: %v", err)
	}
	bad, _ := NewS3(S3Config{Endpoint: srv.URL, Bucket: "files", AccessKey: "XX", SecretKey: "SK"})
	if err := bad.Put(ctx, key, bytes.NewReader([]byte("x")), 1, Text); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a refused put: %v", err)
	}
}

func TestNewS3RefusesIncompleteConfig(t *testing.T) {
	for _, cfg := range []S3Config{
		{Endpoint: "https://s3.example.com", AccessKey: "a", SecretKey: "b"},
		{Endpoint: "ftp://s3.example.com", Bucket: "x", AccessKey: "a", SecretKey: "b"},
	} {
		if _, err := NewS3(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// A store on the S3 backend keeps its bytes in the bucket and serves them
// back through Open; a file refused by its rule never reaches the bucket.
func TestStoreOnS3(t *testing.T) {
	fake := &fakeS3{objects: map[string][]byte{}, types: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s3, err := NewS3(S3Config{Endpoint: srv.URL, Bucket: "files", AccessKey: "AK", SecretKey: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.SQLite(t)
	ctx := context.Background()
	var partnerID string
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		p, err := partner.Create(ctx, tx, partner.NewPartner{Name: "owner", Type: partner.Reseller, Stage: partner.Certified})
		partnerID = p.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	files := New(db, s3)
	if _, err := files.Save(ctx, Upload{PartnerID: partnerID, Kind: "test.s3", Name: "x.pdf", Body: strings.NewReader("<html></html>")}); err == nil {
		t.Fatal("an HTML file was accepted")
	}
	if len(fake.objects) != 0 {
		t.Fatalf("a refused file reached the bucket")
	}
	f, err := files.Save(ctx, Upload{PartnerID: partnerID, Kind: "test.s3", Name: "报告.pdf", Body: strings.NewReader("%PDF-1.7 body")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fake.objects["/files/"+f.ID]; !ok || files.Location() != srv.URL+"/files/" {
		t.Fatalf("the object is not in the bucket (%s)", files.Location())
	}
	_, body, err := files.Open(ctx, partnerID, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(body)
	body.Close()
	if string(data) != "%PDF-1.7 body" {
		t.Errorf("read back %q", data)
	}
}

func init() { RegisterKind("test.s3", Rule{MaxBytes: 1 << 10, Types: []string{PDF}}) }
