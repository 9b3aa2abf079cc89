package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"spotcast/campaign"
)

// MediaTimeout bounds a media check (or the client's timeout, if shorter):
// it is advice before sending, so it must not hold the operator up.
const MediaTimeout = 10 * time.Second

// HeadMedia HEADs a media URL (no API key sent: it is a third-party URL).
// Servers that refuse HEAD (405, 501, or 403 from URLs signed for GET) get a
// GET for the first byte instead. A non-2xx answer is reported in
// StatusCode with a nil error; the error is for bad URLs and unreachable
// hosts. Redirects are followed only to http(s) URLs.
func (c *Client) HeadMedia(ctx context.Context, rawURL string) (campaign.MediaInfo, error) {
	info := campaign.MediaInfo{Size: -1}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return info, fmt.Errorf("media URL %q is not an http(s) URL", clip(campaign.Sanitize(rawURL), 200))
	}
	timeout := MediaTimeout
	if c.timeout > 0 {
		timeout = min(timeout, c.timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := *c.http // same transport; its own redirect rule, and never the key
	hc.Timeout = 0
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("the media URL redirects to a %q URL", req.URL.Scheme)
		}
		if len(via) >= 5 {
			return errors.New("the media URL redirects more than 5 times")
		}
		return nil
	}
	resp, err := c.mediaRequest(ctx, &hc, http.MethodHead, u.String())
	if err == nil && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented || resp.StatusCode == http.StatusForbidden) {
		resp, err = c.mediaRequest(ctx, &hc, http.MethodGet, u.String())
	}
	if err != nil {
		return info, fmt.Errorf("checking the media URL: %w", scrubErr(err, c.scrub))
	}
	info.StatusCode = resp.StatusCode
	info.ContentType = clip(campaign.Sanitize(resp.Header.Get("Content-Type")), 100)
	info.Size = mediaSize(resp)
	return info, nil
}

// mediaRequest sends one HEAD or ranged GET and closes the body unread: we
// only want headers, never the file.
func (c *Client) mediaRequest(ctx context.Context, hc *http.Client, method, target string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, err
	}
	if method == http.MethodGet {
		req.Header.Set("Range", "bytes=0-0")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	return resp, nil
}

// mediaSize reads the full size: Content-Range's total on a 206, else
// Content-Length on a 2xx; -1 when unknown.
func mediaSize(resp *http.Response) int64 {
	if resp.StatusCode == http.StatusPartialContent {
		cr := resp.Header.Get("Content-Range") // bytes 0-0/12345
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			if n, err := strconv.ParseInt(strings.TrimSpace(cr[i+1:]), 10, 64); err == nil && n >= 0 {
				return n
			}
		}
		return -1
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return -1
	}
	if resp.ContentLength >= 0 {
		return resp.ContentLength
	}
	return -1
}
