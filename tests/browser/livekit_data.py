# LiveKit's data-packet framing, as far as an encrypted user packet needs
# it: the protobuf messages of livekit_models.proto (livekit-protocol
# 1.52, what livekit-client 2.23.0 sends), written and read field by field.
#
#   DataPacket              1 kind (enum), 4 participant_identity (string),
#                           18 encrypted_packet (EncryptedPacket)
#   EncryptedPacket         1 encryption_type (enum, GCM = 1), 2 iv (bytes),
#                           3 key_index (uint32), 4 encrypted_value (bytes)
#   EncryptedPacketPayload  1 user (UserPacket)   <- what is encrypted
#   UserPacket              2 payload (bytes), 4 topic (optional string)
#
# The browser side reads and writes the same messages with LiveKit's own
# classes (@livekit/protocol), so a mistake here fails the test.

VARINT, LENGTH = 0, 2
ENCRYPTION_GCM = 1


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number, wire_type, value):
    key = _varint((number << 3) | wire_type)
    if wire_type == VARINT:
        return key + _varint(value)
    return key + _varint(len(value)) + value


def _fields(data):
    """Yields (number, value) of every field; varints as ints, length-
    delimited fields as bytes. Other wire types are refused."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, pos = _read_varint(data, pos)
        elif wire_type == LENGTH:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated protobuf field %d" % number)
            value, pos = data[pos:pos + length], pos + length
        else:
            raise ValueError("unexpected protobuf wire type %d" % wire_type)
        yield number, value


def _read_varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("bad protobuf varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def encrypted_packet_payload(payload, topic=None):
    """EncryptedPacketPayload{user: UserPacket{payload, topic}}: the
    plaintext LiveKit encrypts."""
    user = _field(2, LENGTH, payload)
    if topic is not None:
        user += _field(4, LENGTH, topic.encode())
    return _field(1, LENGTH, user)


def parse_encrypted_packet_payload(data):
    for number, value in _fields(data):
        if number == 1:
            user = {"payload": b""}
            for n, v in _fields(value):
                if n == 2:
                    user["payload"] = v
                elif n == 4:
                    user["topic"] = v.decode()
            return user
    raise ValueError("EncryptedPacketPayload without a user packet")


def data_packet(identity, iv, key_index, encrypted_value):
    """DataPacket{kind: RELIABLE, participant_identity, encrypted_packet}."""
    encrypted = (_field(1, VARINT, ENCRYPTION_GCM) + _field(2, LENGTH, iv) +
                 _field(3, VARINT, key_index) +
                 _field(4, LENGTH, encrypted_value))
    return _field(4, LENGTH, identity.encode()) + _field(18, LENGTH,
                                                         encrypted)


def parse_data_packet(data):
    packet = {"identity": "", "iv": b"", "key_index": 0,
              "encrypted_value": None}
    for number, value in _fields(data):
        if number == 4:
            packet["identity"] = value.decode()
        elif number == 18:
            for n, v in _fields(value):
                if n == 1:
                    packet["encryption_type"] = v
                elif n == 2:
                    packet["iv"] = v
                elif n == 3:
                    packet["key_index"] = v
                elif n == 4:
                    packet["encrypted_value"] = v
    if packet["encrypted_value"] is None:
        raise ValueError("DataPacket without an encrypted packet")
    return packet
