"""A grpcio server-reflection client, for the cross-language reflection tests.

Stubs come from the official /usr/share/grpc-proto/grpc/reflection/<v>/reflection.proto,
generated at test time as module reflection_pb2 (PYTHONPATH picks v1 or v1alpha).
It knows nothing about the server's services: everything it calls, it learns
from the server's descriptors.

  reflection_client.py --target T list
      the services, one per line
  reflection_client.py --target T call SERVICE METHOD JSON
      fetches the file defining SERVICE (and its imports), rebuilds them in a
      fresh descriptor pool, builds the request message class from it, calls
      the method, prints the files received, the method's signature, then the
      response in protobuf text format
  reflection_client.py --target T compare DESCRIPTOR_SET NAME...
      fetches each file by name and compares it with protoc's descriptor in
      DESCRIPTOR_SET (file options and source info aside, nested types in name
      order): "EQUAL name" or a diff
  reflection_client.py --target T errors
      asks for things that do not exist, on one stream; prints each answer
"""
import argparse
import difflib
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory, text_format

import reflection_pb2
import reflection_pb2_grpc

CODE_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}


class Reflection:
    """One ServerReflectionInfo stream, asked one question at a time."""

    def __init__(self, channel):
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        self._requests = []
        self._pending = __import__('queue').Queue()
        self._responses = stub.ServerReflectionInfo(iter(self._pending.get, None), timeout=20)

    def ask(self, **question):
        self._pending.put(reflection_pb2.ServerReflectionRequest(host='', **question))
        return next(self._responses)

    def close(self):
        self._pending.put(None)

    def files(self, **question):
        response = self.ask(**question)
        kind = response.WhichOneof('message_response')
        if kind != 'file_descriptor_response':
            raise SystemExit(f'expected files, got {kind}: {response}')
        return [descriptor_pb2.FileDescriptorProto.FromString(b) for b in response.file_descriptor_response.file_descriptor_proto]


def add_all(pool, files):
    """Adds files to the pool, each after its dependencies."""
    pending = list(files)
    added = set()
    while pending:
        progress = False
        for f in list(pending):
            if all(d in added for d in f.dependency):
                pool.Add(f)
                added.add(f.name)
                pending.remove(f)
                progress = True
        if not progress:
            raise SystemExit(f'unresolvable dependencies: {[(f.name, list(f.dependency)) for f in pending]}')


def call(channel, reflection, service, method, request_json):
    files = reflection.files(file_containing_symbol=service)
    print('files: ' + ', '.join(f.name for f in files))
    pool = descriptor_pool.DescriptorPool()
    add_all(pool, files)
    method_desc = pool.FindServiceByName(service).FindMethodByName(method)
    print(f'rpc {method_desc.full_name}({method_desc.input_type.full_name}) returns ({method_desc.output_type.full_name})')
    factory = message_factory.MessageFactory(pool)
    request_class = factory.GetPrototype(method_desc.input_type)
    response_class = factory.GetPrototype(method_desc.output_type)
    request = json_format.Parse(request_json, request_class())
    stub = channel.unary_unary(f'/{service}/{method}', request_serializer=request_class.SerializeToString,
                               response_deserializer=response_class.FromString)
    try:
        print(text_format.MessageToString(stub(request, timeout=10)).strip())
    except grpc.RpcError as e:
        print(f'{e.code().name}: {e.details()}')


def sort_nested(messages):
    """Orders nested types by name: where protoc puts a map's entry type among the
    declared nested messages follows source positions, which the server does not
    have (and no consumer depends on)."""
    for m in messages:
        nested = sorted((copy_of(n) for n in m.nested_type), key=lambda n: n.name)
        del m.nested_type[:]
        m.nested_type.extend(nested)
        sort_nested(m.nested_type)


def copy_of(message):
    out = type(message)()
    out.CopyFrom(message)
    return out


def compare(reflection, descriptor_set, names):
    expected = descriptor_pb2.FileDescriptorSet.FromString(open(descriptor_set, 'rb').read())
    by_name = {f.name: f for f in expected.file}
    for name in names:
        got = reflection.files(file_by_filename=name)[0]
        want = by_name[name]
        for f in (got, want):
            f.ClearField('options')
            f.ClearField('source_code_info')
            sort_nested(f.message_type)
        if got == want:
            print(f'EQUAL {name}')
        else:
            print(f'DIFF {name}')
            print('\n'.join(difflib.unified_diff(text_format.MessageToString(want).splitlines(),
                                                 text_format.MessageToString(got).splitlines(), 'protoc', 'server', lineterm='')))


def errors(reflection):
    questions = [
        ('symbol no.Such', dict(file_containing_symbol='no.Such')),
        ('file nope.proto', dict(file_by_filename='nope.proto')),
        ('extension proto.UserRequest 99', dict(file_containing_extension=reflection_pb2.ExtensionRequest(
            containing_type='proto.UserRequest', extension_number=99))),
        ('extensions of no.Such', dict(all_extension_numbers_of_type='no.Such')),
        ('extensions of proto.UserRequest', dict(all_extension_numbers_of_type='proto.UserRequest')),
        ('symbol proto.UserInfo.GetUserInfo', dict(file_containing_symbol='proto.UserInfo.GetUserInfo')),
    ]
    for label, question in questions:
        response = reflection.ask(**question)
        kind = response.WhichOneof('message_response')
        if kind == 'error_response':
            e = response.error_response
            print(f'{label}: {CODE_NAMES.get(e.error_code, e.error_code)}: {e.error_message}')
        elif kind == 'all_extension_numbers_response':
            r = response.all_extension_numbers_response
            print(f'{label}: {r.base_type_name} {list(r.extension_number)}')
        elif kind == 'file_descriptor_response':
            names = [descriptor_pb2.FileDescriptorProto.FromString(b).name for b in response.file_descriptor_response.file_descriptor_proto]
            print(f'{label}: files {names}')
        else:
            print(f'{label}: {kind}')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--target', required=True)
    parser.add_argument('verb', choices=['list', 'call', 'compare', 'errors'])
    parser.add_argument('args', nargs='*')
    args = parser.parse_args()
    with grpc.insecure_channel(args.target) as channel:
        reflection = Reflection(channel)
        try:
            if args.verb == 'list':
                response = reflection.ask(list_services='*')
                for service in response.list_services_response.service:
                    print(service.name)
            elif args.verb == 'call':
                call(channel, reflection, *args.args)
            elif args.verb == 'compare':
                compare(reflection, args.args[0], args.args[1:])
            else:
                errors(reflection)
        finally:
            reflection.close()


if __name__ == '__main__':
    sys.exit(main())
