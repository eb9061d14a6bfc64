// The gRPC interop test server (grpc/grpc doc/interop-test-descriptions.md,
// "Server" section) on grpc-go 1.33, a peer in wiregrpc's interop matrix.
//
//	server --port=0 [--use_tls=true --tls_cert_file=F --tls_key_file=F]
//
// Prints "listening on 127.0.0.1:PORT" once it accepts connections.
//
// CompressedRequest (expect_compressed): grpc-go does not tell a handler
// whether a request message was compressed, but its stats handler sees each
// message's wire length next to its decoded length; a message is taken as
// compressed when the two differ (the interop payloads are zeros, which
// always shrink under gzip).
//
// CompressedResponse is not implemented: grpc-go 1.33 chooses response
// compression once per server (RPCCompressor) or mirrors the request's
// grpc-encoding, never per call or per message.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	testpb "wiregrpc.test/gen/grpc/testing"
)

var (
	host     = flag.String("host", "127.0.0.1", "address to listen on")
	port     = flag.Int("port", 0, "port to listen on (0: any)")
	useTLS   = flag.Bool("use_tls", false, "serve over TLS")
	certFile = flag.String("tls_cert_file", "", "TLS certificate (PEM)")
	keyFile  = flag.String("tls_key_file", "", "TLS private key (PEM)")
)

const (
	echoInitial  = "x-grpc-test-echo-initial"
	echoTrailing = "x-grpc-test-echo-trailing-bin"
)

var serverID = "go-" + strconv.FormatInt(time.Now().UnixNano()%1e8, 36)

// received records, per call, whether each request message arrived compressed.
type received struct {
	mu         sync.Mutex
	compressed []bool
}

type receivedKey struct{}

func (r *received) next() (bool, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.compressed) == 0 {
		return false, false
	}
	c := r.compressed[0]
	r.compressed = r.compressed[1:]
	return c, true
}

// compressionStats is the stats.Handler that fills in `received`.
type compressionStats struct{}

func (compressionStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, receivedKey{}, &received{})
}
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

// checkCompressed implements CompressedRequest for the message just received.
func checkCompressed(ctx context.Context, expect *testpb.BoolValue) error {
	r, _ := ctx.Value(receivedKey{}).(*received)
	if r == nil {
		return nil
	}
	was, known := r.next()
	if expect == nil || !known {
		return nil
	}
	if expect.Value && !was {
		return status.Error(codes.InvalidArgument, "expected a compressed request message")
	}
	if !expect.Value && was {
		return status.Error(codes.InvalidArgument, "expected an uncompressed request message")
	}
	return nil
}

// echoMetadata implements Echo Metadata: the initial key back in the
// headers, the -bin key back in the trailers.
func echoMetadata(ctx context.Context, sendHeader func(metadata.MD) error, setTrailer func(metadata.MD)) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(echoInitial); len(v) > 0 {
		if err := sendHeader(metadata.Pairs(echoInitial, v[0])); err != nil {
			return err
		}
	}
	if v := md.Get(echoTrailing); len(v) > 0 {
		setTrailer(metadata.Pairs(echoTrailing, v[0]))
	}
	return nil
}

// echoStatus implements Echo Status.
func echoStatus(s *testpb.EchoStatus) error {
	if s == nil || s.Code == 0 {
		return nil
	}
	return status.Error(codes.Code(s.Code), s.Message)
}

func checkType(t testpb.PayloadType) error {
	if t != testpb.PayloadType_COMPRESSABLE {
		return status.Errorf(codes.InvalidArgument, "unsupported response_type %v", t)
	}
	return nil
}

func payload(size int32) *testpb.Payload {
	return &testpb.Payload{Type: testpb.PayloadType_COMPRESSABLE, Body: make([]byte, size)}
}

type testServer struct{}

func (testServer) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	if err := echoMetadata(ctx, func(md metadata.MD) error { return grpc.SetHeader(ctx, md) }, func(md metadata.MD) { grpc.SetTrailer(ctx, md) }); err != nil {
		return nil, err
	}
	return &testpb.Empty{}, nil
}

func (testServer) UnaryCall(ctx context.Context, in *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	if err := echoMetadata(ctx, func(md metadata.MD) error { return grpc.SetHeader(ctx, md) }, func(md metadata.MD) { grpc.SetTrailer(ctx, md) }); err != nil {
		return nil, err
	}
	if err := checkCompressed(ctx, in.ExpectCompressed); err != nil {
		return nil, err
	}
	if err := echoStatus(in.ResponseStatus); err != nil {
		return nil, err
	}
	if err := checkType(in.ResponseType); err != nil {
		return nil, err
	}
	out := &testpb.SimpleResponse{Payload: payload(in.ResponseSize)}
	if in.FillServerId {
		out.ServerId = serverID
	}
	return out, nil
}

func (testServer) CacheableUnaryCall(ctx context.Context, _ *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	grpc.SetHeader(ctx, metadata.Pairs("cache-control", "max-age=60, public"))
	body := []byte(strconv.FormatInt(time.Now().UnixNano(), 10))
	return &testpb.SimpleResponse{Payload: &testpb.Payload{Body: body}}, nil
}

func (testServer) StreamingInputCall(stream testpb.TestService_StreamingInputCallServer) error {
	var total int32
	for {
		in, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&testpb.StreamingInputCallResponse{AggregatedPayloadSize: total})
		}
		if err != nil {
			return err
		}
		if err := checkCompressed(stream.Context(), in.ExpectCompressed); err != nil {
			return err
		}
		total += int32(len(in.GetPayload().GetBody()))
	}
}

type sender interface {
	Send(*testpb.StreamingOutputCallResponse) error
	Context() context.Context
}

func respond(stream sender, in *testpb.StreamingOutputCallRequest) error {
	if err := checkType(in.ResponseType); err != nil {
		return err
	}
	for _, p := range in.ResponseParameters {
		if p.IntervalUs > 0 {
			select {
			case <-time.After(time.Duration(p.IntervalUs) * time.Microsecond):
			case <-stream.Context().Done():
				return stream.Context().Err()
			}
		}
		if err := stream.Send(&testpb.StreamingOutputCallResponse{Payload: payload(p.Size)}); err != nil {
			return err
		}
	}
	return nil
}

func (testServer) StreamingOutputCall(in *testpb.StreamingOutputCallRequest, stream testpb.TestService_StreamingOutputCallServer) error {
	if err := echoMetadata(stream.Context(), stream.SendHeader, stream.SetTrailer); err != nil {
		return err
	}
	if err := respond(stream, in); err != nil {
		return err
	}
	return echoStatus(in.ResponseStatus)
}

func (testServer) FullDuplexCall(stream testpb.TestService_FullDuplexCallServer) error {
	if err := echoMetadata(stream.Context(), stream.SendHeader, stream.SetTrailer); err != nil {
		return err
	}
	for {
		in, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := echoStatus(in.ResponseStatus); err != nil {
			return err
		}
		if err := respond(stream, in); err != nil {
			return err
		}
	}
}

func (testServer) HalfDuplexCall(stream testpb.TestService_HalfDuplexCallServer) error {
	if err := echoMetadata(stream.Context(), stream.SendHeader, stream.SetTrailer); err != nil {
		return err
	}
	var held []*testpb.StreamingOutputCallRequest
	for {
		in, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		held = append(held, in)
	}
	for _, in := range held {
		if err := echoStatus(in.ResponseStatus); err != nil {
			return err
		}
		if err := respond(stream, in); err != nil {
			return err
		}
	}
	return nil
}

func (testServer) UnimplementedCall(context.Context, *testpb.Empty) (*testpb.Empty, error) {
	return nil, status.Error(codes.Unimplemented, "UnimplementedCall is not implemented, on purpose")
}

func main() {
	flag.Parse()
	opts := []grpc.ServerOption{grpc.StatsHandler(compressionStats{})}
	if *useTLS {
		creds, err := credentials.NewServerTLSFromFile(*certFile, *keyFile)
		if err != nil {
			log.Fatalf("TLS: %v", err)
		}
		opts = append(opts, grpc.Creds(creds))
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	server := grpc.NewServer(opts...)
	testpb.RegisterTestServiceServer(server, testServer{})
	fmt.Printf("listening on %s\n", lis.Addr())
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
		<-signals
		server.Stop()
	}()
	if err := server.Serve(lis); err != nil {
		log.Fatalf("serve: %v", err)
	}
}
