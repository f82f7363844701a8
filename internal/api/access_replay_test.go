package api_test

import (
	"strconv"
	"sync"
	"time"

	"partnercenter/internal/auth"
)

// nextSecond waits until the clock's second changes, so that a request sent
// again is signed afresh (X-Sdk-Date counts whole seconds) rather than
// refused as a replay of the first.
func nextSecond() { time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second))) }

// sentAt remembers in which second each exact request was last signed.
var sentAt sync.Map // key, method, path, body → unix second

// signAfresh waits for the next second when the same key already sent the
// same request in this one: a test that means to send a request twice
// sends it as a platform would, signed afresh.
func signAfresh(key *auth.AccessKey, method, path string, body []byte) {
	if key == nil {
		return
	}
	id := key.ID + " " + method + " " + path + " " + string(body)
	if last, ok := sentAt.Load(id); ok && last.(string) == strconv.FormatInt(time.Now().Unix(), 10) {
		nextSecond()
	}
	sentAt.Store(id, strconv.FormatInt(time.Now().Unix(), 10))
}
