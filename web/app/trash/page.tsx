import type { Metadata } from "next";
import Dashboard from "@/components/Dashboard";
import TrashBoard from "@/components/TrashBoard";

export const metadata: Metadata = { title: "Trash" };

export default function TrashPage() {
  return (
    <Dashboard>
      <TrashBoard />
    </Dashboard>
  );
}
