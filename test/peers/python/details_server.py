"""details_server: proto.UserInfo served by grpcio, failing with the rich error model.

"foo" is a user; "bad" fails with INVALID_ARGUMENT "bad request: name = bad" and, in
grpc-status-details-bin, a google.rpc.Status built with Python protobuf (modules generated
by protoc from proto/google/rpc/*.proto) holding two details packed as Any:

    BadRequest { field_violations: [{ field: "name", description: "must not be bad" }] }
    RetryInfo  { retry_delay: 2.5s }

grpcio has no API for details without the grpcio-status package, so the trailer is set by
hand, as that package does. Prints "listening on HOST:PORT" once bound.
"""
import argparse
import signal
import sys
import threading
from concurrent import futures

import grpc
from google.rpc import error_details_pb2, status_pb2

import userinfo_pb2
import userinfo_pb2_grpc

MESSAGE = "bad request: name = bad"


def bad_request_status():
    status = status_pb2.Status(code=grpc.StatusCode.INVALID_ARGUMENT.value[0], message=MESSAGE)
    bad = error_details_pb2.BadRequest()
    bad.field_violations.add(field="name", description="must not be bad")
    status.details.add().Pack(bad)
    retry = error_details_pb2.RetryInfo()
    retry.retry_delay.seconds = 2
    retry.retry_delay.nanos = 500000000
    status.details.add().Pack(retry)
    return status


class UserInfo(userinfo_pb2_grpc.UserInfoServicer):
    def GetUserInfo(self, request, context):
        if request.name == "foo":
            return userinfo_pb2.UserResponse(id=1, name="foo", age=12, hobby=["eating", "sleep"])
        if request.name == "bad":
            context.set_trailing_metadata(
                (("grpc-status-details-bin", bad_request_status().SerializeToString()), ("x-backend", "python"))
            )
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, MESSAGE)
        context.abort(grpc.StatusCode.NOT_FOUND, f"unknown user: name = {request.name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS choose")
    args = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    userinfo_pb2_grpc.add_UserInfoServicer_to_server(UserInfo(), server)
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    if port == 0:
        sys.exit(f"could not bind 127.0.0.1:{args.port}")
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"listening on 127.0.0.1:{port}", flush=True)
    stop.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
