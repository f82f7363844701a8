package main

import (
	"fmt"
	"os"
	"testing"

	"partnercenter/internal/upload"
)

// TestMain gives the commands the tests run in this process an upload
// folder of their own: on PostgreSQL it defaults to ./data/uploads, which
// here is the package's source folder, and demo and serve write files there.
func TestMain(m *testing.M) {
	if os.Getenv(upload.EnvDir) != "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "partnercenter-uploads-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(upload.EnvDir, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
