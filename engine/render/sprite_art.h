#pragma once
// Our own procedural art (docs/rules.md §12.2): each function paints one sprite family on a
// Canvas in tile units (1 unit = one tile, y down). No third-party pictures are involved.
#include "canvas.h"

namespace coinrun {

// Authoring resolution: 40 px per tile. The 512 x 512 viewing frame (k = 40) uses it as is and
// the 64 x 64 observation (k = 5) is an exact 8 x 8 box average of it.
inline constexpr int kBaseTilePx = 40;

inline constexpr int kNumAgentLooks = 5;    // §4.7: Beige, Blue, Green, Pink, Yellow
inline constexpr int kNumGroundThemes = 6;  // §4.7: Dirt, Grass, Planet, Sand, Snow, Stone
inline constexpr int kNumWalkerLooks = 9;   // §12.2, in look-index order
inline constexpr int kNumCrateLooks = 4;    // '#', '$', '&', '%'

enum class AgentPose : int { Stand, WalkA, WalkB, Jump, Crouch, ClimbA, ClimbB, Count };
enum class GroundPart : int { Centre, Surface, LeftEnd, RightEnd, Count };
enum class Item : int { Ladder, Coin, Gem, Spikes, Star, Count };

void paint_ground(Canvas& c, int theme, GroundPart part);
void paint_crate(Canvas& c, int look);
// Lava is periodic horizontally over one tile so that the §7.7 scroll wraps without a seam.
void paint_lava(Canvas& c, bool surface);
void paint_item(Canvas& c, Item item);
// Monster art faces left (§7.5); frame is 0 (A) or 1 (B).
void paint_saw(Canvas& c, int frame);
void paint_walker(Canvas& c, int species, int frame);
void paint_flyer(Canvas& c, int frame);
// Agent art faces right, on a 1 x 2 tile canvas (§7.4).
void paint_agent(Canvas& c, int look, AgentPose pose);

}  // namespace coinrun
