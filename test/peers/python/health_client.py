"""A grpcio client of grpc.health.v1.Health, for the cross-language health tests.

Its stubs are generated at test time from the official
/usr/share/grpc-proto/grpc/health/v1/health.proto (module health_pb2), so it
checks our server against the protocol as grpcio knows it.

  health_client.py --target HOST:PORT check NAME [NAME...]
      one line per name: "NAME: SERVING", or "NAME: NOT_FOUND: <message>"
  health_client.py --target HOST:PORT watch NAME --count N
      one line per streamed status ("SERVICE_UNKNOWN", "SERVING", ...), flushed
      at once; after N of them it cancels and prints "cancelled"; if the
      server ends the stream first it prints "end: OK" or "end: CODE: message".
"""
import argparse
import sys

import grpc

import health_pb2
import health_pb2_grpc

STATUS = health_pb2.HealthCheckResponse.ServingStatus


def check(stub, names):
    for name in names:
        try:
            response = stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=10)
            print(f'{name}: {STATUS.Name(response.status)}', flush=True)
        except grpc.RpcError as e:
            print(f'{name}: {e.code().name}: {e.details()}', flush=True)


def watch(stub, name, count):
    call = stub.Watch(health_pb2.HealthCheckRequest(service=name), timeout=30)
    seen = 0
    try:
        for response in call:
            print(STATUS.Name(response.status), flush=True)
            seen += 1
            if seen == count:
                call.cancel()
                print('cancelled', flush=True)
                return
        print('end: OK', flush=True)
    except grpc.RpcError as e:
        print(f'end: {e.code().name}: {e.details()}', flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--target', required=True)
    sub = parser.add_subparsers(dest='verb', required=True)
    p_check = sub.add_parser('check')
    p_check.add_argument('names', nargs='+')
    p_watch = sub.add_parser('watch')
    p_watch.add_argument('name')
    p_watch.add_argument('--count', type=int, default=1)
    args = parser.parse_args()
    # An empty name ("" = the whole server) arrives as the literal '""'.
    unquote = lambda n: '' if n == '""' else n
    with grpc.insecure_channel(args.target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        if args.verb == 'check':
            check(stub, [unquote(n) for n in args.names])
        else:
            watch(stub, unquote(args.name), args.count)


if __name__ == '__main__':
    sys.exit(main())
