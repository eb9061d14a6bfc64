"""The gRPC interop test server (grpc/grpc doc/interop-test-descriptions.md,
"Server" section) written on Python grpcio, as a peer for wiregrpc's interop
matrix. Run with /usr/bin/python3 (the interpreter that has grpcio):

    interop_server.py --gen_dir=DIR --port=0 [--use_tls=true --tls_cert_file=F --tls_key_file=F]

DIR holds the Python modules generated from grpc/testing/*.proto under the
package prefix `wgi` (so that `grpc.testing` does not shadow grpcio's `grpc`).
Prints `listening on HOST:PORT` once it accepts connections.

Known limits of grpcio (reported as gaps in the matrix):
- a servicer cannot tell whether a request message arrived compressed, so
  expect_compressed is not checked (CompressedRequest is not implemented).
"""
import argparse
import os
import signal
import sys
import threading
import time
import uuid
from concurrent import futures

import grpc

ECHO_INITIAL = 'x-grpc-test-echo-initial'
ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin'
CODES = {c.value[0]: c for c in grpc.StatusCode}
SERVER_ID = 'python-' + uuid.uuid4().hex[:8]


def flag(value):
    return str(value).lower() in ('1', 'true', 'yes')


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--gen_dir', required=True)
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--use_tls', default='false')
    p.add_argument('--tls_cert_file', default='')
    p.add_argument('--tls_key_file', default='')
    return p.parse_args()


def main():
    args = parse_args()
    sys.path.insert(0, args.gen_dir)
    from wgi.grpc.testing import empty_pb2, messages_pb2, test_pb2_grpc

    def payload(size):
        return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))

    def echo_metadata(context):
        """Echo Metadata: the initial key back in headers, the -bin key back in trailers."""
        initial, trailing = [], []
        for key, value in context.invocation_metadata():
            if key == ECHO_INITIAL:
                initial.append((key, value))
            elif key == ECHO_TRAILING:
                trailing.append((key, value))
        if initial:
            context.send_initial_metadata(initial)
        if trailing:
            context.set_trailing_metadata(trailing)

    def maybe_echo_status(request, context):
        """Echo Status: end the call with the status the client asked for."""
        if request.HasField('response_status') and request.response_status.code != 0:
            code = CODES.get(request.response_status.code, grpc.StatusCode.UNKNOWN)
            context.abort(code, request.response_status.message)

    def check_type(request, context):
        if request.response_type != messages_pb2.COMPRESSABLE:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, 'unsupported response_type')

    class TestService(test_pb2_grpc.TestServiceServicer):
        def EmptyCall(self, request, context):
            echo_metadata(context)
            return empty_pb2.Empty()

        def UnaryCall(self, request, context):
            echo_metadata(context)
            maybe_echo_status(request, context)
            check_type(request, context)
            if request.response_compressed.value:
                context.set_compression(grpc.Compression.Gzip)
            else:
                context.set_compression(grpc.Compression.NoCompression)
            response = messages_pb2.SimpleResponse(payload=payload(request.response_size))
            if request.fill_server_id:
                response.server_id = SERVER_ID
            return response

        def CacheableUnaryCall(self, request, context):
            context.send_initial_metadata([('cache-control', 'max-age=60, public')])
            body = str(time.time_ns()).encode()
            return messages_pb2.SimpleResponse(payload=messages_pb2.Payload(body=body))

        def StreamingInputCall(self, request_iterator, context):
            total = 0
            for request in request_iterator:
                total += len(request.payload.body)
            return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

        def _respond(self, request, context):
            check_type(request, context)
            for params in request.response_parameters:
                if params.interval_us > 0:
                    time.sleep(params.interval_us / 1e6)
                if params.compressed.value:
                    context.set_compression(grpc.Compression.Gzip)
                else:
                    context.disable_next_message_compression()
                yield messages_pb2.StreamingOutputCallResponse(payload=payload(params.size))

        def StreamingOutputCall(self, request, context):
            echo_metadata(context)
            yield from self._respond(request, context)
            maybe_echo_status(request, context)

        def FullDuplexCall(self, request_iterator, context):
            echo_metadata(context)
            for request in request_iterator:
                maybe_echo_status(request, context)
                yield from self._respond(request, context)

        def HalfDuplexCall(self, request_iterator, context):
            echo_metadata(context)
            requests = list(request_iterator)
            for request in requests:
                maybe_echo_status(request, context)
                yield from self._respond(request, context)

        # UnimplementedCall is left to the generated base class: UNIMPLEMENTED.

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    address = f'{args.host}:{args.port}'
    if flag(args.use_tls):
        with open(args.tls_key_file, 'rb') as f:
            key = f.read()
        with open(args.tls_cert_file, 'rb') as f:
            cert = f.read()
        port = server.add_secure_port(address, grpc.ssl_server_credentials([(key, cert)]))
    else:
        port = server.add_insecure_port(address)
    server.start()
    host = f'[{args.host}]' if ':' in args.host else args.host
    print(f'listening on {host}:{port}', flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop(1).wait()
    os._exit(0)


if __name__ == '__main__':
    main()
