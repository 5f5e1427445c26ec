package io.jknife.bench.memmon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jknife.bench.json.Jsonl;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SampleLineTest {
    @Test
    void writesWhatJacksonReadsBack() throws Exception {
        ObjectNode n = Jsonl.object();
        n.put("a", 22.01).put("b", 0.0).put("c", -3.5).put("d", 0.000001).put("e", 12).putNull("f").put("g", true)
                .put("h", 123456.789).put("i", Double.NaN).put("ts", new BigDecimal("1800000000.123")).put("s", "x\"y");
        n.putArray("gpus").addObject().put("index", 0);
        String line = SampleLine.of(n);
        assertEquals("{\"a\":22.01,\"b\":0.0,\"c\":-3.5,\"d\":0.000001,\"e\":12,\"f\":null,\"g\":true,\"h\":123456.789,\"i\":null,"
                + "\"ts\":1800000000.123,\"s\":\"x\\\"y\",\"gpus\":[{\"index\":0}]}", line);
        assertEquals(22.01, Jsonl.MAPPER.readTree(line).get("a").asDouble());
    }
}
