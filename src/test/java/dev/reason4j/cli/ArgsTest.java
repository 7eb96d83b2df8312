package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArgsTest {
    @Test
    void parsesOptionsFlagsAndOverrides() {
        Args args = new Args(new String[] {"--out", "runs/x", "--fast", "actor.lr=1e-6", "--steps=5"});
        assertEquals("runs/x", args.string("out", null));
        assertTrue(args.flag("fast"));
        assertEquals(5, args.integer("steps", 0));
        assertEquals(List.of("actor.lr=1e-6"), args.positional());
        args.rejectUnknown();
    }

    @Test
    void unknownOptionIsNamed() {
        Args args = new Args(new String[] {"--typo", "1"});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, args::rejectUnknown);
        assertTrue(e.getMessage().contains("--typo"));
    }
}
