#!/usr/bin/perl
# An SMSC for end-to-end tests of the hub's SMPP client: Net::SMPP (Debian package libnet-smpp-perl,
# see .ci/system-packages.sh) decodes what the hub sends and encodes what it answers, so the hub is
# checked against a third-party SMPP implementation, not against its own codec.
#
#   perl test/support/smsc-netsmpp.pl [--config JSON]
#
# Net::SMPP reads and writes PDUs on blocking sockets; one process multiplexes the listener, every
# connection and stdin with select(), and keeps its delays (slow answers, receipts) as timers, so a
# slow answer on one link never stalls another.
#
# stdout: one JSON object per line. {"event":"listening","port":N} first, then one line per PDU
# received ("bind", "submit_sm" with every field and short_message in hex, "deliver_sm_resp",
# "enquire_link", "unbind") and per notable act ("deliver_sm" sent, "dropped", "closed").
# stdin: one JSON command per line, answered {"event":"ack","id":ID}:
#   {"cmd":"set","id":1,"config":{...}}        change the behaviour (keys below)
#   {"cmd":"deliver","id":2,"fields":{...}}    send a deliver_sm (an MO) to a bound receiver:
#       source_addr(_ton/_npi), destination_addr(_ton/_npi), esm_class, data_coding,
#       short_message_hex, tlvs: {name: hex}
# End of stdin ends the process, so it never outlives the test that started it.
#
# Behaviour (config keys):
#   system_id, password     the account; other credentials get ESME_RINVSYSID / ESME_RINVPASWD
#   receipt_delay_ms        a receipt (deliver_sm, esm_class 0x04) follows each accepted submit_sm
#                           that asked for one (registered_delivery bit 0) after this long
#   receipt_tlvs            0: receipts carry the text only (no receipted_message_id/message_state)
#   undeliverable           [numbers]: their receipts say stat:UNDELIV err:001 (message_state 5)
#   reject                  {number: status}: submit_sm to them are answered with that status
#   throttle, queue_full    the next N submit_sm are answered ESME_RTHROTTLED / ESME_RMSGQFUL
#   script                  [status, ...]: the next submit_sm are answered with these, in order (0 accepts)
#   slow_ms, slow_count     the next slow_count submit_sm (-1: all) are answered after slow_ms
#   drop_after              the N-th submit_sm from now closes its connection, unanswered
#   redeliver_ms            a deliver_sm answered with an error is sent again after this long
use strict;
use warnings;
use Net::SMPP;
use IO::Select;
use JSON::PP;
use Time::HiRes qw(time);
use POSIX qw(strftime);
use Getopt::Long;

$| = 1;
$SIG{PIPE} = 'IGNORE';

my %config = (
    system_id => 'hub', password => 'secret',
    receipt_delay_ms => 20, receipt_tlvs => 1, redeliver_ms => 200,
    undeliverable => [], reject => {},
    throttle => 0, queue_full => 0, slow_ms => 0, slow_count => 0, drop_after => 0, script => [],
);
my $config_json = '{}';
GetOptions('config=s' => \$config_json) or die "usage: $0 [--config JSON]\n";
apply_config(decode_json($config_json));

my $json = JSON::PP->new->canonical;
sub emit { print $json->encode($_[0]), "\n"; }

sub apply_config {
    my ($changes) = @_;
    $config{$_} = $changes->{$_} for keys %$changes;
}

my $listener = Net::SMPP->new_listen('127.0.0.1', port => 0, smpp_version => 0x34, enquire_interval => 0)
    or die "cannot listen: $!";
emit({ event => 'listening', port => $listener->sockport });

my $select = IO::Select->new($listener, \*STDIN);
my %conns;          # fileno => { smpp, id, mode, pending => { seq => delivery } }
my $next_conn = 0;
my @timers;         # [due, code]
my @deliveries;     # { due, kind, fields, tlvs, message_id }
my $next_message = int(rand(0x10000000)) + 0x10000000;
my $stdin_buffer = '';

sub after { my ($ms, $code) = @_; push @timers, [time + $ms / 1000, $code]; }

sub close_conn {
    my ($conn, $event) = @_;
    my $fh = $conn->{smpp};
    return unless $conns{fileno($fh) // -1};
    delete $conns{fileno($fh)};
    $select->remove($fh);
    close($fh);
    emit({ event => $event, conn => $conn->{id} });
    # Receipts and MOs sent on it but not acknowledged are offered again, as an SMSC does.
    for my $delivery (values %{ $conn->{pending} }) {
        $delivery->{due} = time + $config{redeliver_ms} / 1000;
        push @deliveries, $delivery;
    }
}

sub tlv_hex {
    my ($pdu) = @_;
    my %tlvs;
    for my $key (keys %$pdu) {
        next unless $key =~ /^\d+$/;
        $tlvs{sprintf('%04x', $key)} = unpack('H*', $pdu->{$key});
    }
    return \%tlvs;
}

sub submit_sm {
    my ($conn, $pdu) = @_;
    my $c = $conn->{smpp};
    my %record = (
        event => 'submit_sm', conn => $conn->{id}, seq => $pdu->{seq},
        short_message_hex => unpack('H*', $pdu->{short_message} // ''),
        body_hex => unpack('H*', $pdu->{data}),
        tlvs => tlv_hex($pdu),
    );
    $record{$_} = $pdu->{$_} for qw(service_type source_addr_ton source_addr_npi source_addr dest_addr_ton dest_addr_npi
        destination_addr esm_class protocol_id priority_flag schedule_delivery_time validity_period registered_delivery
        replace_if_present_flag data_coding sm_default_msg_id);

    if ($config{drop_after} > 0 && --$config{drop_after} == 0) {
        emit({ %record, answer => 'dropped' });
        close_conn($conn, 'dropped');
        return;
    }
    my $status = 0;
    if (@{ $config{script} }) { $status = shift @{ $config{script} }; }
    elsif ($config{throttle} > 0) { $config{throttle}--; $status = 0x58; }
    elsif ($config{queue_full} > 0) { $config{queue_full}--; $status = 0x14; }
    elsif (exists $config{reject}{ $pdu->{destination_addr} }) { $status = $config{reject}{ $pdu->{destination_addr} }; }
    my $message_id = $status == 0 ? sprintf('%08X', $next_message++) : '';
    my $delay = 0;
    if ($config{slow_ms} > 0 && $config{slow_count} != 0) {
        $delay = $config{slow_ms};
        $config{slow_count}-- if $config{slow_count} > 0;
    }
    emit({ %record, status => $status, message_id => $message_id, delay_ms => $delay });
    my $answer = sub {
        return unless $conns{fileno($c) // -1};
        $c->submit_sm_resp(seq => $pdu->{seq}, status => $status, message_id => $message_id);
    };
    if ($delay > 0) { after($delay, $answer); } else { $answer->(); }
    return unless $status == 0 && (($pdu->{registered_delivery} // 0) & 0x03);

    # SMPP 3.4 Appendix B receipt; the handset becomes the source, the sender the destination.
    my $number = $pdu->{destination_addr};
    my $failed = grep { $_ eq $number } @{ $config{undeliverable} };
    my ($stat, $err, $state) = $failed ? ('UNDELIV', '001', 5) : ('DELIVRD', '000', 2);
    my $user_data = $pdu->{short_message} // '';
    $user_data = substr($user_data, 1 + ord($user_data)) if ($pdu->{esm_class} & 0x40) && length $user_data;
    (my $excerpt = substr($user_data, 0, 20)) =~ s/[^\x20-\x7e]/./g;
    my $date = strftime('%y%m%d%H%M', localtime);
    my $text = "id:$message_id sub:001 dlvrd:" . ($failed ? '000' : '001') . " submit date:$date done date:$date stat:$stat err:$err text:$excerpt";
    push @deliveries, {
        due => time + $config{receipt_delay_ms} / 1000, kind => 'receipt', message_id => $message_id,
        fields => {
            source_addr_ton => $pdu->{dest_addr_ton}, source_addr_npi => $pdu->{dest_addr_npi}, source_addr => $number,
            dest_addr_ton => $pdu->{source_addr_ton}, dest_addr_npi => $pdu->{source_addr_npi}, destination_addr => $pdu->{source_addr},
            esm_class => 0x04, data_coding => 0, short_message => $text,
        },
        tlvs => $config{receipt_tlvs} ? [receipted_message_id => "$message_id\0", message_state => pack('C', $state)] : [],
    };
}

sub bind_request {
    my ($conn, $pdu, $mode, $respond) = @_;
    my $status = $pdu->{system_id} ne $config{system_id} ? 0x0F : $pdu->{password} ne $config{password} ? 0x0E : 0;
    emit({ event => 'bind', conn => $conn->{id}, mode => $mode, status => $status,
        map { $_ => $pdu->{$_} } qw(system_id password system_type interface_version addr_ton addr_npi address_range) });
    $conn->{smpp}->set_version(0x34);
    $respond->(system_id => 'NETSMPP', seq => $pdu->{seq}, status => $status);
    $conn->{mode} = $mode if $status == 0;
}

sub handle_pdu {
    my ($conn, $pdu) = @_;
    my $c = $conn->{smpp};
    my $cmd = $pdu->{cmd};
    if ($cmd == 0x00000009) { bind_request($conn, $pdu, 'transceiver', sub { $c->bind_transceiver_resp(@_) }); }
    elsif ($cmd == 0x00000002) { bind_request($conn, $pdu, 'transmitter', sub { $c->bind_transmitter_resp(@_) }); }
    elsif ($cmd == 0x00000001) { bind_request($conn, $pdu, 'receiver', sub { $c->bind_receiver_resp(@_) }); }
    elsif ($cmd == 0x00000004) { submit_sm($conn, $pdu); }
    elsif ($cmd == 0x80000005) {
        my $delivery = delete $conn->{pending}{ $pdu->{seq} };
        emit({ event => 'deliver_sm_resp', conn => $conn->{id}, seq => $pdu->{seq}, status => $pdu->{status},
            kind => $delivery ? $delivery->{kind} : undef, message_id => $delivery ? $delivery->{message_id} : undef });
        if ($delivery && $pdu->{status} != 0) {
            $delivery->{due} = time + $config{redeliver_ms} / 1000;
            push @deliveries, $delivery;
        }
    }
    elsif ($cmd == 0x00000015) { emit({ event => 'enquire_link', conn => $conn->{id} }); $c->enquire_link_resp(seq => $pdu->{seq}); }
    elsif ($cmd == 0x80000015) { }
    elsif ($cmd == 0x00000006) {
        emit({ event => 'unbind', conn => $conn->{id} });
        $c->unbind_resp(seq => $pdu->{seq});
        close_conn($conn, 'closed');
    }
    else {
        emit({ event => 'unexpected', conn => $conn->{id}, command_id => sprintf('0x%08x', $cmd) });
        $c->generic_nack(seq => $pdu->{seq}, status => 0x03) unless $cmd & 0x80000000;
    }
}

sub dispatch_deliveries {
    my $now = time;
    my @receivers = grep { ($_->{mode} // '') =~ /^(transceiver|receiver)$/ } sort { $a->{id} <=> $b->{id} } values %conns;
    return unless @receivers;
    my @waiting;
    for my $delivery (@deliveries) {
        if ($delivery->{due} > $now) { push @waiting, $delivery; next; }
        my $conn = $receivers[0];
        my $seq = $conn->{smpp}->deliver_sm(%{ $delivery->{fields} }, @{ $delivery->{tlvs} }, async => 1);
        $conn->{pending}{$seq} = $delivery;
        emit({ event => 'deliver_sm', conn => $conn->{id}, seq => $seq, kind => $delivery->{kind}, message_id => $delivery->{message_id} });
    }
    @deliveries = @waiting;
}

sub command {
    my ($line) = @_;
    my $command = eval { decode_json($line) };
    if (!$command) { emit({ event => 'error', message => "bad command: $line" }); return; }
    if ($command->{cmd} eq 'set') { apply_config($command->{config}); }
    elsif ($command->{cmd} eq 'deliver') {
        my %fields = %{ $command->{fields} };
        my $tlvs = delete $fields{tlvs} // {};
        $fields{short_message} = pack('H*', delete $fields{short_message_hex} // '');
        push @deliveries, { due => time, kind => 'mo', fields => \%fields, tlvs => [map { $_ => pack('H*', $tlvs->{$_}) } sort keys %$tlvs] };
    }
    emit({ event => 'ack', id => $command->{id} });
}

while (1) {
    @timers = sort { $a->[0] <=> $b->[0] } @timers;
    my $wait = 0.02;
    if (@timers) { my $until = $timers[0][0] - time; $wait = $until < $wait ? ($until > 0 ? $until : 0) : $wait; }
    for my $fh ($select->can_read($wait)) {
        if ($fh == $listener) {
            my $c = $listener->accept or next;
            my $conn = { smpp => $c, id => ++$next_conn, pending => {} };
            $conns{fileno($c)} = $conn;
            $select->add($c);
            emit({ event => 'connected', conn => $conn->{id} });
        } elsif ($fh == \*STDIN) {
            my $n = sysread(STDIN, $stdin_buffer, 65536, length $stdin_buffer);
            exit 0 unless $n;
            while ($stdin_buffer =~ s/^([^\n]*)\n//) { command($1) if length $1; }
        } else {
            my $conn = $conns{fileno($fh)} or next;
            my $pdu = $conn->{smpp}->read_pdu();
            if (!$pdu) { close_conn($conn, 'closed'); next; }
            handle_pdu($conn, $pdu);
        }
    }
    my $now = time;
    while (@timers && $timers[0][0] <= $now) { my $timer = shift @timers; $timer->[1]->(); }
    dispatch_deliveries();
}
