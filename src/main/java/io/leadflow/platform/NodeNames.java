package io.leadflow.platform;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/** Names a node's hold on shared work (an import, a retention run): host, process and a random part. */
public final class NodeNames {

    private NodeNames() {
    }

    /** A name no other node, nor another context in this process, has: two nodes may share a host and a JVM. */
    public static String unique() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        return Texts.truncate(host, 60) + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
