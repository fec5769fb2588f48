// The one global the paperkg map page uses: sigma.js and graphology, nothing else.
import Graph from "graphology";
import Sigma from "sigma";
import { EdgeLineProgram, NodePointProgram } from "sigma/rendering";

window.PaperkgGL = { Graph: Graph, Sigma: Sigma, EdgeLineProgram: EdgeLineProgram,
                     NodePointProgram: NodePointProgram };
