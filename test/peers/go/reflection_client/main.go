// A grpc-go server-reflection client (google.golang.org/grpc/reflection/grpc_reflection_v1alpha,
// as shipped with grpc-go) for the cross-language reflection tests. It knows
// nothing about the server's services: it lists them, fetches the descriptor
// of the one it is told to call, encodes the request and decodes the response
// by walking that descriptor (golang/protobuf 1.3 has no dynamic messages, so
// this does the little that is needed: scalar and string fields), and prints
//
//	services: a, b, c
//	files: x.proto, ...
//	rpc pkg.Service.Method(.pkg.In) returns (.pkg.Out)
//	field: value       (one line per response field, in wire order)
//
// or "<Code>: <message>" if the call fails.
//
//	reflection_client -target HOST:PORT -service proto.UserInfo -method GetUserInfo -set name=foo
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golang/protobuf/proto"
	descpb "github.com/golang/protobuf/protoc-gen-go/descriptor"
	"google.golang.org/grpc"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
)

// rawCodec moves already-encoded messages: the descriptors, not generated code, define them.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error)      { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error { *(v.(*[]byte)) = append([]byte(nil), data...); return nil }
func (rawCodec) Name() string                               { return "proto" }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}

func main() {
	target := flag.String("target", "127.0.0.1:50051", "server address")
	service := flag.String("service", "proto.UserInfo", "service to call")
	method := flag.String("method", "GetUserInfo", "method to call")
	set := flag.String("set", "", "request fields: name=value,name=value")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *target, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	stream, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		fail("reflection: %v", err)
	}
	ask := func(req *rpb.ServerReflectionRequest) *rpb.ServerReflectionResponse {
		if err := stream.Send(req); err != nil {
			fail("send: %v", err)
		}
		res, err := stream.Recv()
		if err != nil {
			fail("recv: %v", err)
		}
		if e := res.GetErrorResponse(); e != nil {
			fail("error response: %d %s", e.ErrorCode, e.ErrorMessage)
		}
		return res
	}

	var names []string
	for _, s := range ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{ListServices: "*"}}).GetListServicesResponse().Service {
		names = append(names, s.Name)
	}
	fmt.Println("services: " + strings.Join(names, ", "))

	res := ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: *service}})
	messages := map[string]*descpb.DescriptorProto{}
	var rpc *descpb.MethodDescriptorProto
	var files []string
	for _, raw := range res.GetFileDescriptorResponse().FileDescriptorProto {
		file := &descpb.FileDescriptorProto{}
		if err := proto.Unmarshal(raw, file); err != nil {
			fail("a file descriptor does not decode: %v", err)
		}
		files = append(files, file.GetName())
		prefix := "."
		if file.GetPackage() != "" {
			prefix += file.GetPackage() + "."
		}
		for _, m := range file.MessageType {
			messages[prefix+m.GetName()] = m
		}
		for _, s := range file.Service {
			if prefix[1:]+s.GetName() != *service {
				continue
			}
			for _, m := range s.Method {
				if m.GetName() == *method {
					rpc = m
				}
			}
		}
	}
	fmt.Println("files: " + strings.Join(files, ", "))
	if rpc == nil {
		fail("%s.%s is not in the descriptors", *service, *method)
	}
	fmt.Printf("rpc %s.%s(%s) returns (%s)\n", *service, *method, rpc.GetInputType(), rpc.GetOutputType())
	in, out := messages[rpc.GetInputType()], messages[rpc.GetOutputType()]
	if in == nil || out == nil {
		fail("the request or response type is not in the descriptors")
	}

	request := encode(in, *set)
	var response []byte
	err = conn.Invoke(ctx, "/"+*service+"/"+*method, &request, &response, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		s := status.Convert(err)
		fmt.Printf("%s: %s\n", s.Code(), s.Message())
		return
	}
	decode(out, response)
}

func fieldByName(m *descpb.DescriptorProto, name string) *descpb.FieldDescriptorProto {
	for _, f := range m.Field {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

func encode(m *descpb.DescriptorProto, set string) []byte {
	buf := proto.NewBuffer(nil)
	for _, pair := range strings.Split(set, ",") {
		if pair == "" {
			continue
		}
		kv := strings.SplitN(pair, "=", 2)
		f := fieldByName(m, kv[0])
		if f == nil || len(kv) != 2 {
			fail("no field %q in %s", kv[0], m.GetName())
		}
		switch f.GetType() {
		case descpb.FieldDescriptorProto_TYPE_STRING:
			buf.EncodeVarint(uint64(f.GetNumber())<<3 | 2)
			buf.EncodeStringBytes(kv[1])
		case descpb.FieldDescriptorProto_TYPE_INT32, descpb.FieldDescriptorProto_TYPE_INT64:
			n, err := strconv.ParseInt(kv[1], 10, 64)
			if err != nil {
				fail("%s: %v", kv[0], err)
			}
			buf.EncodeVarint(uint64(f.GetNumber()) << 3)
			buf.EncodeVarint(uint64(n))
		default:
			fail("%s: type %s is not supported here", kv[0], f.GetType())
		}
	}
	return buf.Bytes()
}

// varint reads a base-128 varint at data[*pos:].
func varint(data []byte, pos *int) uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if *pos >= len(data) || shift > 63 {
			fail("response: truncated varint")
		}
		b := data[*pos]
		*pos++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
}

func decode(m *descpb.DescriptorProto, data []byte) {
	for pos := 0; pos < len(data); {
		tag := varint(data, &pos)
		var f *descpb.FieldDescriptorProto
		for _, candidate := range m.Field {
			if uint64(candidate.GetNumber()) == tag>>3 {
				f = candidate
			}
		}
		switch tag & 7 {
		case 0:
			fmt.Printf("%s: %d\n", nameOf(f, tag), int64(varint(data, &pos)))
		case 2:
			n := int(varint(data, &pos))
			if n < 0 || pos+n > len(data) {
				fail("response: truncated field")
			}
			b := data[pos : pos+n]
			pos += n
			if f != nil && f.GetType() == descpb.FieldDescriptorProto_TYPE_STRING {
				fmt.Printf("%s: %q\n", nameOf(f, tag), string(b))
			} else {
				fmt.Printf("%s: %d bytes\n", nameOf(f, tag), len(b))
			}
		default:
			fail("response: wire type %d is not supported here", tag&7)
		}
	}
}

func nameOf(f *descpb.FieldDescriptorProto, tag uint64) string {
	if f == nil {
		return strconv.FormatUint(tag>>3, 10)
	}
	return f.GetName()
}
