// The gRPC interop test client (grpc/grpc doc/interop-test-descriptions.md,
// "Client" section) on grpc-go 1.33, a peer in wiregrpc's interop matrix.
// Same flags and report as our client (test/interop/client.ts):
//
//	client --server_port=P [--server_host=H] [--test_case=all|a,b]
//	       [--use_tls=true --use_test_ca=true --ca_file=F --server_host_override=foo.test.google.fr]
//
// One JSON line per case on stdout; exit status 1 if any case failed.
//
// Received compression: grpc-go does not show the compressed flag of a
// response message, but its stats handler reports each message's wire length
// next to its decoded length; the two differ exactly when the message was
// compressed (the interop payloads are zeros, which always shrink).
//
// client_compressed_streaming is not possible: grpc-go 1.33 compresses a whole
// call (grpc.UseCompressor) and cannot send one message of it uncompressed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	testpb "wiregrpc.test/gen/grpc/testing"
)

var (
	serverHost         = flag.String("server_host", "127.0.0.1", "server host")
	serverPort         = flag.Int("server_port", 0, "server port")
	serverHostOverride = flag.String("server_host_override", "", "TLS server name and :authority")
	testCase           = flag.String("test_case", "all", "case name, comma-separated names, or all")
	useTLS             = flag.Bool("use_tls", false, "connect over TLS")
	useTestCA          = flag.Bool("use_test_ca", false, "trust --ca_file instead of the system roots")
	caFile             = flag.String("ca_file", "", "CA certificate (PEM) for --use_test_ca")
)

var allCases = []string{
	"empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary",
	"client_streaming", "client_compressed_streaming", "server_streaming",
	"server_compressed_streaming", "ping_pong", "empty_stream", "cancel_after_begin",
	"cancel_after_first_response", "timeout_on_sleeping_server", "custom_metadata",
	"status_code_and_message", "special_status_message", "unimplemented_method",
	"unimplemented_service",
}

const (
	echoInitial   = "x-grpc-test-echo-initial"
	echoTrailing  = "x-grpc-test-echo-trailing-bin"
	specialStatus = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
)

type skip struct{ reason string }

func (s skip) Error() string { return s.reason }

func failf(format string, args ...interface{}) error { return fmt.Errorf(format, args...) }

// --- compression observed through the stats handler -------------------------

type receivedKey struct{}

// received collects, for one call, whether each response message was compressed.
type received struct {
	mu         sync.Mutex
	compressed []bool
}

func (r *received) list() []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bool(nil), r.compressed...)
}

type compressionStats struct{}

func (compressionStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (compressionStats) HandleRPC(ctx context.Context, s stats.RPCStats) {
	in, ok := s.(*stats.InPayload)
	if !ok {
		return
	}
	if r, ok := ctx.Value(receivedKey{}).(*received); ok {
		r.mu.Lock()
		r.compressed = append(r.compressed, in.WireLength-5 != in.Length)
		r.mu.Unlock()
	}
}
func (compressionStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (compressionStats) HandleConn(context.Context, stats.ConnStats)                       {}

// advertiseGzip: grpc-go 1.33 sends grpc-accept-encoding only on calls it
// compresses itself, and a server should not compress with an encoding the
// client did not list. The server_compressed_* cases therefore compress their
// (small) request so that the call says it accepts gzip responses.
var advertiseGzip = grpc.UseCompressor(gzip.Name)

func observe(ctx context.Context) (context.Context, *received) {
	r := &received{}
	return context.WithValue(ctx, receivedKey{}, r), r
}

// --- helpers -------------------------------------------------------------------

func zeros(n int) *testpb.Payload { return &testpb.Payload{Body: make([]byte, n)} }

func checkBody(p *testpb.Payload, size int, what string) error {
	body := p.GetBody()
	if len(body) != size {
		return failf("%s payload body is %d bytes, want %d", what, len(body), size)
	}
	for _, b := range body {
		if b != 0 {
			return failf("%s payload body is not all zeros", what)
		}
	}
	return nil
}

func expectCode(err error, want codes.Code, what string) (*status.Status, error) {
	if err == nil {
		return nil, failf("%s: succeeded, want %v", what, want)
	}
	st, _ := status.FromError(err)
	if st.Code() != want {
		return st, failf("%s: status %v (%q), want %v", what, st.Code(), st.Message(), want)
	}
	return st, nil
}

func largeRequest() *testpb.SimpleRequest {
	return &testpb.SimpleRequest{ResponseSize: 314159, Payload: zeros(271828)}
}

func outputRequest(sizes []int32, input int) *testpb.StreamingOutputCallRequest {
	req := &testpb.StreamingOutputCallRequest{}
	for _, s := range sizes {
		req.ResponseParameters = append(req.ResponseParameters, &testpb.ResponseParameters{Size: s})
	}
	if input >= 0 {
		req.Payload = zeros(input)
	}
	return req
}

type cases struct {
	tc testpb.TestServiceClient
	uc testpb.UnimplementedServiceClient
}

func ctxT() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), 20*time.Second) }

func (c cases) emptyUnary() error {
	ctx, cancel := ctxT()
	defer cancel()
	out, err := c.tc.EmptyCall(ctx, &testpb.Empty{})
	if err != nil {
		return err
	}
	if out == nil {
		return failf("response is nil")
	}
	return nil
}

func (c cases) largeUnary() error {
	ctx, cancel := ctxT()
	defer cancel()
	out, err := c.tc.UnaryCall(ctx, largeRequest())
	if err != nil {
		return err
	}
	return checkBody(out.Payload, 314159, "response")
}

func (c cases) clientCompressedUnary() error {
	ctx, cancel := ctxT()
	defer cancel()
	probe := largeRequest()
	probe.ExpectCompressed = &testpb.BoolValue{Value: true}
	_, err := c.tc.UnaryCall(ctx, probe)
	if _, err := expectCode(err, codes.InvalidArgument, "uncompressed probe with expect_compressed=true"); err != nil {
		return err
	}
	for _, compress := range []bool{true, false} {
		req := largeRequest()
		req.ExpectCompressed = &testpb.BoolValue{Value: compress}
		var opts []grpc.CallOption
		if compress {
			opts = append(opts, grpc.UseCompressor(gzip.Name))
		}
		out, err := c.tc.UnaryCall(ctx, req, opts...)
		if err != nil {
			return failf("expect_compressed=%v: %v", compress, err)
		}
		if err := checkBody(out.Payload, 314159, fmt.Sprintf("expect_compressed=%v", compress)); err != nil {
			return err
		}
	}
	return nil
}

func (c cases) serverCompressedUnary() error {
	for _, compress := range []bool{true, false} {
		ctx, cancel := ctxT()
		ctx, seen := observe(ctx)
		req := largeRequest()
		req.ResponseCompressed = &testpb.BoolValue{Value: compress}
		out, err := c.tc.UnaryCall(ctx, req, advertiseGzip)
		cancel()
		if err != nil {
			return failf("response_compressed=%v: %v", compress, err)
		}
		if err := checkBody(out.Payload, 314159, fmt.Sprintf("response_compressed=%v", compress)); err != nil {
			return err
		}
		if got := seen.list(); len(got) != 1 || got[0] != compress {
			return failf("response_compressed=%v: compressed flags of responses %v", compress, got)
		}
	}
	return nil
}

func (c cases) clientStreaming() error {
	ctx, cancel := ctxT()
	defer cancel()
	stream, err := c.tc.StreamingInputCall(ctx)
	if err != nil {
		return err
	}
	for _, n := range []int{27182, 8, 1828, 45904} {
		if err := stream.Send(&testpb.StreamingInputCallRequest{Payload: zeros(n)}); err != nil {
			return err
		}
	}
	out, err := stream.CloseAndRecv()
	if err != nil {
		return err
	}
	if out.AggregatedPayloadSize != 74922 {
		return failf("aggregated_payload_size %d, want 74922", out.AggregatedPayloadSize)
	}
	return nil
}

func (c cases) clientCompressedStreaming() error {
	return skip{"grpc-go 1.33 compresses whole calls (grpc.UseCompressor): it cannot send one message of a call uncompressed"}
}

func (c cases) serverStreaming() error {
	return c.streamOut([]int32{31415, 9, 2653, 58979}, nil)
}

func (c cases) serverCompressedStreaming() error {
	return c.streamOut([]int32{31415, 92653}, []bool{true, false})
}

func (c cases) streamOut(sizes []int32, compressed []bool) error {
	ctx, cancel := ctxT()
	defer cancel()
	ctx, seen := observe(ctx)
	req := outputRequest(sizes, -1)
	for i, p := range req.ResponseParameters {
		if compressed != nil {
			p.Compressed = &testpb.BoolValue{Value: compressed[i]}
		}
	}
	stream, err := c.tc.StreamingOutputCall(ctx, req, advertiseGzip)
	if err != nil {
		return err
	}
	var got []*testpb.StreamingOutputCallResponse
	for {
		out, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		got = append(got, out)
	}
	if len(got) != len(sizes) {
		return failf("%d responses, want %d", len(got), len(sizes))
	}
	for i, out := range got {
		if err := checkBody(out.Payload, int(sizes[i]), fmt.Sprintf("response %d", i)); err != nil {
			return err
		}
	}
	if compressed != nil {
		flags := seen.list()
		if fmt.Sprint(flags) != fmt.Sprint(compressed) {
			return failf("compressed flags of responses %v, want %v", flags, compressed)
		}
	}
	return nil
}

func (c cases) pingPong() error {
	ctx, cancel := ctxT()
	defer cancel()
	stream, err := c.tc.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	steps := [][2]int{{31415, 27182}, {9, 8}, {2653, 1828}, {58979, 45904}}
	for _, s := range steps {
		if err := stream.Send(outputRequest([]int32{int32(s[0])}, s[1])); err != nil {
			return err
		}
		out, err := stream.Recv()
		if err != nil {
			return err
		}
		if err := checkBody(out.Payload, s[0], "response"); err != nil {
			return err
		}
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	if _, err := stream.Recv(); err != io.EOF {
		return failf("after the fourth response: %v, want the end of the stream", err)
	}
	return nil
}

func (c cases) emptyStream() error {
	ctx, cancel := ctxT()
	defer cancel()
	stream, err := c.tc.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	if _, err := stream.Recv(); err != io.EOF {
		return failf("got %v, want the end of the stream and no response", err)
	}
	return nil
}

func (c cases) cancelAfterBegin() error {
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := c.tc.StreamingInputCall(ctx)
	if err != nil {
		cancel()
		return err
	}
	cancel()
	_, err = stream.CloseAndRecv()
	_, err = expectCode(err, codes.Canceled, "StreamingInputCall")
	return err
}

func (c cases) cancelAfterFirstResponse() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := c.tc.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(outputRequest([]int32{31415}, 27182)); err != nil {
		return err
	}
	out, err := stream.Recv()
	if err != nil {
		return err
	}
	if err := checkBody(out.Payload, 31415, "response"); err != nil {
		return err
	}
	cancel()
	_, err = stream.Recv()
	_, err = expectCode(err, codes.Canceled, "FullDuplexCall")
	return err
}

func (c cases) timeoutOnSleepingServer() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	stream, err := c.tc.FullDuplexCall(ctx)
	if err == nil {
		if err = stream.Send(&testpb.StreamingOutputCallRequest{Payload: zeros(27182)}); err == nil || err == io.EOF {
			_, err = stream.Recv()
		}
	}
	_, err = expectCode(err, codes.DeadlineExceeded, "FullDuplexCall with a 1 ms timeout")
	return err
}

func (c cases) customMetadata() error {
	md := metadata.Pairs(echoInitial, "test_initial_metadata_value", echoTrailing, "\xab\xab\xab")
	verify := func(what string, header, trailer metadata.MD) error {
		if v := header.Get(echoInitial); len(v) != 1 || v[0] != "test_initial_metadata_value" {
			return failf("%s: headers %v lack the echoed %s", what, header, echoInitial)
		}
		if v := trailer.Get(echoTrailing); len(v) != 1 || v[0] != "\xab\xab\xab" {
			return failf("%s: trailers %v lack the echoed %s", what, trailer, echoTrailing)
		}
		return nil
	}
	ctx, cancel := ctxT()
	defer cancel()
	ctx = metadata.NewOutgoingContext(ctx, md)
	var header, trailer metadata.MD
	out, err := c.tc.UnaryCall(ctx, largeRequest(), grpc.Header(&header), grpc.Trailer(&trailer))
	if err != nil {
		return err
	}
	if err := checkBody(out.Payload, 314159, "UnaryCall response"); err != nil {
		return err
	}
	if err := verify("UnaryCall", header, trailer); err != nil {
		return err
	}
	stream, err := c.tc.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(outputRequest([]int32{314159}, 271828)); err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	n := 0
	for {
		out, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := checkBody(out.Payload, 314159, "FullDuplexCall response"); err != nil {
			return err
		}
		n++
	}
	if n != 1 {
		return failf("FullDuplexCall: %d responses, want 1", n)
	}
	header, err = stream.Header()
	if err != nil {
		return err
	}
	return verify("FullDuplexCall", header, stream.Trailer())
}

func (c cases) unaryStatus(message string) error {
	ctx, cancel := ctxT()
	defer cancel()
	_, err := c.tc.UnaryCall(ctx, &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: 2, Message: message}})
	st, err := expectCode(err, codes.Unknown, "UnaryCall")
	if err != nil {
		return err
	}
	if st.Message() != message {
		return failf("UnaryCall: message %q, want %q", st.Message(), message)
	}
	return nil
}

func (c cases) statusCodeAndMessage() error {
	const message = "test status message"
	if err := c.unaryStatus(message); err != nil {
		return err
	}
	ctx, cancel := ctxT()
	defer cancel()
	stream, err := c.tc.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(&testpb.StreamingOutputCallRequest{ResponseStatus: &testpb.EchoStatus{Code: 2, Message: message}}); err != nil {
		return err
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	_, err = stream.Recv()
	st, err := expectCode(err, codes.Unknown, "FullDuplexCall")
	if err != nil {
		return err
	}
	if st.Message() != message {
		return failf("FullDuplexCall: message %q, want %q", st.Message(), message)
	}
	return nil
}

func (c cases) specialStatusMessage() error { return c.unaryStatus(specialStatus) }

func (c cases) unimplementedMethod() error {
	ctx, cancel := ctxT()
	defer cancel()
	_, err := c.tc.UnimplementedCall(ctx, &testpb.Empty{})
	_, err = expectCode(err, codes.Unimplemented, "UnimplementedCall")
	return err
}

func (c cases) unimplementedService() error {
	ctx, cancel := ctxT()
	defer cancel()
	_, err := c.uc.UnimplementedCall(ctx, &testpb.Empty{})
	_, err = expectCode(err, codes.Unimplemented, "UnimplementedService/UnimplementedCall")
	return err
}

func main() {
	flag.Parse()
	opts := []grpc.DialOption{grpc.WithStatsHandler(compressionStats{}), grpc.WithBlock()}
	if *useTLS {
		var creds credentials.TransportCredentials
		var err error
		if *useTestCA {
			creds, err = credentials.NewClientTLSFromFile(*caFile, *serverHostOverride)
		} else {
			creds = credentials.NewClientTLSFromCert(nil, *serverHostOverride)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "TLS: %v\n", err)
			os.Exit(2)
		}
		opts = append(opts, grpc.WithTransportCredentials(creds))
	} else {
		opts = append(opts, grpc.WithInsecure())
		if *serverHostOverride != "" {
			opts = append(opts, grpc.WithAuthority(*serverHostOverride))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := grpc.DialContext(ctx, net.JoinHostPort(*serverHost, strconv.Itoa(*serverPort)), opts...)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot connect: %v\n", err)
		os.Exit(2)
	}
	defer conn.Close()
	c := cases{tc: testpb.NewTestServiceClient(conn), uc: testpb.NewUnimplementedServiceClient(conn)}
	table := map[string]func() error{
		"empty_unary": c.emptyUnary, "large_unary": c.largeUnary,
		"client_compressed_unary": c.clientCompressedUnary, "server_compressed_unary": c.serverCompressedUnary,
		"client_streaming": c.clientStreaming, "client_compressed_streaming": c.clientCompressedStreaming,
		"server_streaming": c.serverStreaming, "server_compressed_streaming": c.serverCompressedStreaming,
		"ping_pong": c.pingPong, "empty_stream": c.emptyStream, "cancel_after_begin": c.cancelAfterBegin,
		"cancel_after_first_response": c.cancelAfterFirstResponse, "timeout_on_sleeping_server": c.timeoutOnSleepingServer,
		"custom_metadata": c.customMetadata, "status_code_and_message": c.statusCodeAndMessage,
		"special_status_message": c.specialStatusMessage, "unimplemented_method": c.unimplementedMethod,
		"unimplemented_service": c.unimplementedService,
	}
	names := allCases
	if *testCase != "all" {
		names = strings.Split(*testCase, ",")
	}
	failed := false
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	for _, name := range names {
		report := map[string]string{"case": name}
		fn, ok := table[name]
		var err error
		if !ok {
			err = errors.New("unknown test case")
		} else {
			err = fn()
		}
		var s skip
		switch {
		case err == nil:
			report["result"] = "pass"
		case errors.As(err, &s):
			report["result"], report["reason"] = "skip", s.reason
		default:
			report["result"], report["reason"] = "fail", err.Error()
			failed = true
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", name, err)
		}
		out.Encode(report)
	}
	if failed {
		os.Exit(1)
	}
}
