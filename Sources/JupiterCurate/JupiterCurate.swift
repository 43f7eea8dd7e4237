// JupiterCurate module. See ARCHITECTURE.md for what belongs here.
import JupiterCore
